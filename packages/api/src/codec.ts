/**
 * Turns values of type `T` into bytes and back. The codec of a graph edge fixes the type that the
 * callback, `setValue`, `emit` and views see for that topic.
 *
 * `decode` must throw on bytes it cannot read; goka-ts wraps the error with topic, partition and offset.
 */
export interface Codec<T> {
  /** Short name used in error messages and the web UI, e.g. `"json"`. */
  readonly name: string;
  encode(value: T): Buffer;
  decode(data: Buffer): T;
}

/** The value type a codec produces. */
export type CodecValue<C> = C extends Codec<infer T> ? T : never;
