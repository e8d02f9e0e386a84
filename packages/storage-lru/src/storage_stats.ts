import type { StorageOperationStats } from '@goka-ts/api';

/** The operations {@link instrumentStorage} measures. `iterator` is one whole iteration. */
export type StorageOperation =
  | 'open' | 'close' | 'has' | 'get' | 'set' | 'delete' | 'getOffset' | 'setOffset' | 'writeBatch' | 'markRecovered' | 'iterator';

export const STORAGE_OPERATIONS: readonly StorageOperation[] = [
  'open', 'close', 'has', 'get', 'set', 'delete', 'getOffset', 'setOffset', 'writeBatch', 'markRecovered', 'iterator',
];

/** Receives the measurements of one table partition's storage. */
export interface StorageOperationRecorder {
  record(operation: StorageOperation, durationMs: number, failed: boolean): void;
}

/** Where {@link instrumentStorage} reports: one recorder per built storage. */
export interface StorageStatsSink {
  partition(topic: string, partition: number): StorageOperationRecorder;
}

/** Stats of every operation of one partition. */
export type PartitionStorageStats = Readonly<Record<StorageOperation, StorageOperationStats>>;

class Counters implements StorageOperationRecorder {
  readonly ops = {} as Record<StorageOperation, { count: number; errors: number; totalMs: number }>;

  constructor() {
    for (const op of STORAGE_OPERATIONS) this.ops[op] = { count: 0, errors: 0, totalMs: 0 };
  }

  record(operation: StorageOperation, durationMs: number, failed: boolean): void {
    const s = this.ops[operation];
    s.count++;
    s.totalMs += durationMs;
    if (failed) s.errors++;
  }

  snapshot(): PartitionStorageStats {
    const out = {} as Record<StorageOperation, StorageOperationStats>;
    for (const op of STORAGE_OPERATIONS) out[op] = { ...this.ops[op] };
    return out;
  }
}

/**
 * Accumulates storage measurements in memory, per topic and partition (a partition built again
 * keeps adding to the same counters), for a metrics exporter or the monitor to read.
 */
export class StorageStatsCollector implements StorageStatsSink {
  private readonly topics = new Map<string, Map<number, Counters>>();

  partition(topic: string, partition: number): StorageOperationRecorder {
    let partitions = this.topics.get(topic);
    if (!partitions) this.topics.set(topic, (partitions = new Map()));
    let counters = partitions.get(partition);
    if (!counters) partitions.set(partition, (counters = new Counters()));
    return counters;
  }

  /** A copy of the stats: topic -> partition -> operation -> stats. */
  stats(): Record<string, Record<number, PartitionStorageStats>> {
    const out: Record<string, Record<number, PartitionStorageStats>> = {};
    for (const [topic, partitions] of this.topics) {
      const byPartition: Record<number, PartitionStorageStats> = {};
      for (const [partition, counters] of partitions) byPartition[partition] = counters.snapshot();
      out[topic] = byPartition;
    }
    return out;
  }

  /** Sums over every topic and partition. */
  totals(): PartitionStorageStats {
    const out = {} as Record<StorageOperation, { count: number; errors: number; totalMs: number }>;
    for (const op of STORAGE_OPERATIONS) out[op] = { count: 0, errors: 0, totalMs: 0 };
    for (const partitions of this.topics.values()) {
      for (const counters of partitions.values()) {
        for (const op of STORAGE_OPERATIONS) {
          const s = counters.ops[op];
          out[op].count += s.count;
          out[op].errors += s.errors;
          out[op].totalMs += s.totalMs;
        }
      }
    }
    return out;
  }

  /** Forgets everything measured so far (recorders handed out keep working, from zero). */
  reset(): void {
    for (const partitions of this.topics.values()) {
      for (const counters of partitions.values()) {
        for (const op of STORAGE_OPERATIONS) {
          const s = counters.ops[op];
          s.count = 0;
          s.errors = 0;
          s.totalMs = 0;
        }
      }
    }
  }
}
