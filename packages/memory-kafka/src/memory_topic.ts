import type { TopicDescription } from '@goka-ts/api';
import { MemoryPartitionLog } from './memory_log';

/** Configs every topic reports when it was not given its own (a subset of a real broker's defaults). */
export const DEFAULT_TOPIC_CONFIG: Readonly<Record<string, string>> = Object.freeze({
  'cleanup.policy': 'delete',
  'compression.type': 'producer',
  'max.message.bytes': '1048588',
  'min.insync.replicas': '1',
  'retention.bytes': '-1',
  'retention.ms': '604800000',
  'segment.bytes': '1073741824',
});

/** One topic of the in-memory broker: its partition logs and configs. */
export class MemoryTopic {
  readonly logs: readonly MemoryPartitionLog[];
  private readonly config: Record<string, string>;

  constructor(
    readonly name: string,
    partitions: number,
    readonly replicationFactor: number,
    config: Readonly<Record<string, string>> = {},
  ) {
    this.logs = Array.from({ length: partitions }, (_, partition) => new MemoryPartitionLog(name, partition));
    this.config = { ...config };
  }

  get partitions(): number {
    return this.logs.length;
  }

  /** The log of `partition`, or undefined when the topic has no such partition. */
  log(partition: number): MemoryPartitionLog | undefined {
    return Number.isInteger(partition) ? this.logs[partition] : undefined;
  }

  alterConfig(config: Readonly<Record<string, string>>): void {
    Object.assign(this.config, config);
  }

  describe(): TopicDescription {
    return {
      topic: this.name,
      partitions: this.partitions,
      replicationFactor: this.replicationFactor,
      config: { ...DEFAULT_TOPIC_CONFIG, ...this.config },
    };
  }

  markDeleted(): void {
    for (const log of this.logs) log.markDeleted();
  }
}
