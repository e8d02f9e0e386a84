/** One write of a {@link Storage.writeBatch}. */
export type StorageBatchOp =
  | { readonly type: 'put'; readonly key: string; readonly value: Buffer }
  | { readonly type: 'del'; readonly key: string };

/** Bounds of an iteration, in key order (UTF-8 byte order of the keys). */
export interface StorageIteratorOptions {
  /** First key included. */
  readonly gte?: string;
  /** First key excluded. */
  readonly lt?: string;
  /** Largest number of entries returned. */
  readonly limit?: number;
}

/**
 * Local state of one table partition. Keys are the table's keys as strings, values the codec's bytes.
 *
 * The table offset (the last table record applied) lives outside the key space, so no user key can
 * collide with it (Goka keeps it under the user key `__offset`).
 */
export interface Storage {
  /** Opens the backend; fails at once (never hangs) when it is locked or unreachable. */
  open(): Promise<void>;
  close(): Promise<void>;
  has(key: string): Promise<boolean>;
  /** `undefined` when the key is absent. */
  get(key: string): Promise<Buffer | undefined>;
  set(key: string, value: Buffer): Promise<void>;
  delete(key: string): Promise<void>;
  /** The stored table offset, or `defaultValue` when none was stored. */
  getOffset(defaultValue: number): Promise<number>;
  setOffset(offset: number): Promise<void>;
  /**
   * Applies the operations in order, and stores `offset` with them when given. Backends make this
   * atomic where they can; recovery and the processor's write-behind use it.
   */
  writeBatch(ops: readonly StorageBatchOp[], offset?: number): Promise<void>;
  /** Recovery of the partition finished; backends may compact or switch modes here. */
  markRecovered(): Promise<void>;
  /** Entries in key order within the bounds; a consistent view from the moment it was created where the backend allows. */
  iterator(options?: StorageIteratorOptions): AsyncIterableIterator<[key: string, value: Buffer]>;
}

/**
 * Creates the (unopened) storage for a table partition. Processors and views call it once per
 * partition and then `open()`.
 */
export type StorageBuilder = (topic: string, partition: number) => Storage | Promise<Storage>;
