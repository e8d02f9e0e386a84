/**
 * Helpers to run a real Processor on the in-memory FaultyKafka without a broker: FaultyKafka has no
 * group consumer, so this one is driven by the test (assign partitions, hand in batches), and
 * accepts every commit. Used by the processor_*.test.ts / context_delete.test.ts files.
 */
import { waitFor } from '@goka-ts/conformance';
import type { GroupConsumer, GroupHandler, KafkaMessage, MessageBatch, TopicPartitionOffset } from '@goka-ts/api';
import { FaultyKafka } from './faulty_kafka';

export class ScriptedConsumer implements GroupConsumer {
  handler: GroupHandler | undefined;
  readonly commits: TopicPartitionOffset[][] = [];
  private owned: number[] = [];
  private end!: () => void;

  run(handler: GroupHandler): Promise<void> {
    this.handler = handler;
    return new Promise((resolve) => (this.end = resolve));
  }
  pause(): void {}
  resume(): void {}
  assignment(): readonly number[] {
    return this.owned;
  }
  async commit(offsets: readonly TopicPartitionOffset[]): Promise<void> {
    this.commits.push([...offsets]);
  }
  async assign(partitions: number[]): Promise<void> {
    this.owned = partitions;
    await this.handler!.onAssigned(partitions);
  }
  /** Takes every partition away, as a rebalance does. */
  async revoke(): Promise<void> {
    const partitions = this.owned;
    this.owned = [];
    if (partitions.length) await this.handler?.onRevoked(partitions);
  }
  async close(): Promise<void> {
    // A real consumer revokes its partitions on close: the processor drains, flushes and commits them.
    await this.revoke();
    this.end?.();
  }
}

/** FaultyKafka whose group consumer is the scripted one. */
export class ScriptedKafka extends FaultyKafka {
  readonly consumer = new ScriptedConsumer();
  override groupConsumer(): GroupConsumer {
    return this.consumer;
  }
}

/** A batch of `topic`/`partition` with the given keys, values and (optionally) timestamps. */
export function batchOf(topic: string, partition: number, first: number, records: { key: string; value: string | null; timestamp?: number }[]): MessageBatch {
  const messages: KafkaMessage[] = records.map((r, i) => ({
    topic,
    partition,
    offset: first + i,
    key: Buffer.from(r.key),
    value: r.value === null ? null : Buffer.from(r.value),
    headers: {},
    timestamp: r.timestamp ?? 0,
  }));
  return { topic, partition, messages, highWatermark: first + records.length };
}

/** Polls `check` (a condition reached through the processor's own commit timer), failing after `timeoutMs`. */
export function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<boolean> {
  return waitFor(what, check, timeoutMs, { intervalMs: 5 });
}
