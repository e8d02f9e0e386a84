import type { KafkaClient, KafkaMessage, PartitionOffsets, TopicPartitionOffset } from '@goka-ts/api';
import { murmur2Hasher } from '@goka-ts/core';
import type { ClientFactory } from './clients';

/** A record {@link TestCluster.produce} writes: string keys, partitioned by murmur2. */
export interface ProducedRecord {
  readonly key: string;
  readonly value: string | Buffer | null;
  readonly headers?: Record<string, Buffer>;
}

/**
 * Topics of one test on one client: creates them, produces, reads, inspects groups, and deletes
 * every topic it created (and the table / loop topics of groups it was told about) on {@link close}.
 */
export class TestCluster {
  readonly client: KafkaClient;
  private readonly topics = new Set<string>();
  private readonly admin;
  private connected = false;

  constructor(factoryOrClient: ClientFactory | KafkaClient) {
    this.client = 'create' in factoryOrClient ? factoryOrClient.create() : factoryOrClient;
    this.admin = this.client.admin();
  }

  private async connect(): Promise<void> {
    if (this.connected) return;
    await this.admin.connect();
    this.connected = true;
  }

  async createTopic(topic: string, partitions: number, config?: Record<string, string>): Promise<string> {
    await this.connect();
    this.topics.add(topic);
    await this.admin.createTopic({ topic, partitions, replicationFactor: 1, config });
    return topic;
  }

  /** Deletes the table and loop topics of `group` too on close. */
  ownGroup(group: string): void {
    this.topics.add(`${group}-table`);
    this.topics.add(`${group}-loop`);
  }

  async partitionCount(topic: string): Promise<number> {
    await this.connect();
    const d = await this.admin.describeTopic(topic);
    if (!d) throw new Error(`topic ${topic} does not exist`);
    return d.partitions;
  }

  /** Produces records partitioned by murmur2 (the processors' default hasher), waiting for every ack. */
  async produce(topic: string, records: readonly ProducedRecord[]): Promise<void> {
    const partitions = await this.partitionCount(topic);
    const producer = this.client.producer({ lingerMs: 5 });
    await producer.connect();
    try {
      await Promise.all(
        records.map((r) =>
          producer.send({
            topic,
            partition: murmur2Hasher.partition(r.key, partitions),
            key: Buffer.from(r.key),
            value: r.value === null ? null : Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value),
            headers: r.headers,
          }),
        ),
      );
    } finally {
      await producer.close();
    }
  }

  /** Every record of a topic (all partitions, up to the current high watermarks). */
  async readAll(topic: string): Promise<KafkaMessage[]> {
    const partitions = await this.partitionCount(topic);
    const out: KafkaMessage[] = [];
    const reader = this.client.partitionReader({
      topic,
      partitions: Array.from({ length: partitions }, (_, partition) => ({ partition, from: 'oldest' as const })),
      follow: false,
      maxWaitMs: 100,
    });
    await reader.run({
      onBatch: async (batch) => {
        out.push(...batch.messages);
      },
    });
    return out;
  }

  /** The latest value per key of a table topic (tombstones delete). */
  async tableContents(topic: string): Promise<Map<string, Buffer>> {
    const table = new Map<string, Buffer>();
    const records = await this.readAll(topic);
    records.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
    for (const r of records) {
      const key = r.key?.toString() ?? '';
      if (r.value === null) table.delete(key);
      else table.set(key, r.value);
    }
    return table;
  }

  async committed(group: string, topic: string): Promise<TopicPartitionOffset[]> {
    await this.connect();
    return this.admin.committedOffsets(group, topic);
  }

  /** Oldest and newest (high watermark) offset of every partition of a topic. */
  async partitionOffsets(topic: string): Promise<PartitionOffsets[]> {
    await this.connect();
    return this.admin.partitionOffsets(topic);
  }

  /** Sum over partitions of the committed offsets (`-1` counts as 0). */
  async committedTotal(group: string, topic: string): Promise<number> {
    return (await this.committed(group, topic)).reduce((sum, o) => sum + Math.max(0, o.offset), 0);
  }

  async close(): Promise<void> {
    await this.connect();
    for (const topic of this.topics) {
      try {
        if (await this.admin.describeTopic(topic)) await this.admin.deleteTopic(topic);
      } catch {
        // Best effort: names are unique, a leftover topic harms no other test.
      }
    }
    await this.admin.close();
  }
}
