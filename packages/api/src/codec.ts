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

/**
 * Turns Kafka key bytes into the string keys that callbacks, tables and views use, and back. Every
 * topic of a group graph shares the graph's key codec (`defineGroup(group, { keys })`); emitters
 * and views take it as an option. Partitioning hashes the bytes it encodes.
 *
 * Keys must never collapse: `decode` must throw for bytes it cannot represent one to one (the
 * message then goes through the processor's error policy), and `encode` must throw for a string that
 * has no byte form, so `encode(decode(bytes))` always gives back the same bytes. The shipped ones
 * are core's `utf8Keys` (the default: UTF-8 text, strict) and `binaryKeys` (any bytes, one char per byte).
 */
export type KeyCodec = Codec<string>;
