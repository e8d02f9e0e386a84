/** Options of {@link leveldbStorage}. Tuning options are LevelDB's own (see classic-level). */
export interface LevelDbStorageOptions {
  /** Directory holding the databases. Two instances of a group on one machine need different paths. */
  readonly path: string;
  /**
   * One database for all table partitions (and topics) at `<path>/all-partitions`, keys prefixed by
   * topic and partition, instead of one database per partition at `<path>/<topic>.<partition>`.
   * Fewer files, one block cache and one write buffer for all partitions; each partition's storage
   * is a view on it, and the database closes with the last one. Default false.
   */
  readonly sharedDatabase?: boolean;
  /** Block cache size in bytes (LevelDB default 8 MiB). Per database. */
  readonly cacheSize?: number;
  /** Write buffer (memtable) size in bytes (LevelDB default 4 MiB); larger speeds up bulk recovery. */
  readonly writeBufferSize?: number;
  /** Approximate uncompressed block size in bytes (LevelDB default 4 KiB). */
  readonly blockSize?: number;
  /** Snappy compression of blocks (default true). */
  readonly compression?: boolean;
  /** Files LevelDB may keep open (LevelDB default 1000). Per database. */
  readonly maxOpenFiles?: number;
  /** Size of a table file before LevelDB starts a new one (LevelDB default 2 MiB). */
  readonly maxFileSize?: number;
  /**
   * Serve `get`/`has` with LevelDB's synchronous read (default true): about 1 µs from the block
   * cache instead of ~40 µs for a trip through libuv's thread pool, at the price of blocking the
   * event loop for the lookup (a disk read when the block is not cached). Set false for tables far
   * larger than the cache on slow disks.
   */
  readonly syncReads?: boolean;
  /** fsync every write (default false: a crash can lose the last writes, which recovery replays). */
  readonly sync?: boolean;
}

/** The LevelDB open options the storage passes through. */
export function levelOpenOptions(options: LevelDbStorageOptions): Record<string, unknown> {
  const out: Record<string, unknown> = { createIfMissing: true, errorIfExists: false };
  for (const key of ['cacheSize', 'writeBufferSize', 'blockSize', 'compression', 'maxOpenFiles', 'maxFileSize'] as const) {
    if (options[key] !== undefined) out[key] = options[key];
  }
  return out;
}
