import { GokaError, type Codec } from '@goka-ts/api';
import { describeError } from '../errors/describe_error';

/** Where an undecodable table value was read. */
export interface TableValueLocation {
  /** Who read it, for the message: `view of table "t"`, `processor "g"`. */
  readonly reader: string;
  readonly table: string;
  readonly partition: number;
  readonly key: string;
}

/**
 * A stored table value that the table's codec cannot decode, read by `get()` of a view or a
 * processor (or a view's iterator). The key exists: the value is unreadable, which differs from a
 * missing key. `cause` is the codec's error.
 */
export class TableDecodeError extends GokaError {
  readonly table: string;
  readonly partition: number;
  readonly key: string;
  /** The name of the codec that refused the value. */
  readonly codec: string;

  constructor(where: TableValueLocation, codec: string, cause: unknown) {
    super(`${where.reader}: cannot decode the value of key ${JSON.stringify(where.key)} (partition ${where.partition}) with codec "${codec}": ${describeError(cause)}`, { cause });
    this.table = where.table;
    this.partition = where.partition;
    this.key = where.key;
    this.codec = codec;
  }
}

/** Decodes a stored table value; a codec failure becomes a {@link TableDecodeError} naming `where`. */
export function decodeTableValue<T>(codec: Codec<T>, bytes: Buffer, where: TableValueLocation): T {
  try {
    return codec.decode(bytes);
  } catch (error) {
    throw new TableDecodeError(where, codec.name, error);
  }
}
