/**
 * Picks the partition of a key. Every component that maps keys to partitions (emitter, view,
 * lookup, processor `get`) must use the same hasher as the producers of a topic.
 */
export interface Hasher {
  /** e.g. `"murmur2"` or `"fnv1a"`. */
  readonly name: string;
  /**
   * Partition in `[0, partitionCount)` for `key`. goka-ts passes the key's bytes as the key codec
   * encodes them (a string is hashed as its UTF-8 bytes), so binary keys land where the Java client
   * and Go Goka put them.
   */
  partition(key: string | Buffer, partitionCount: number): number;
}
