import {
  GokaError, KafkaConnectionError, StateError, UnknownTopicError,
  type PartitionReader, type PartitionReaderConfig, type PartitionStart, type ReaderHandler,
} from '@goka-ts/api';
import { ConnectionWatch } from './connection_watch';
import { ConsumeLoop } from './consume_loop';
import { Code, codeOf, corruptBatchError, isCorruptBatch, isUnknownTopic, toGokaError } from './errors';
import { instrument } from './instrumentation';
import type { ResolvedOptions } from './options';
import { BatchDispatcher, Flow } from './partition_flow';
import {
  OFFSET_BEGINNING, OFFSET_END, connectClient, disconnectClient, fetchMetadata, queryWatermarks, rdkafka,
  type EofEvent, type KafkaConsumer, type LibrdKafkaError, type RdConfig,
} from './rdkafka';
import type { StatisticsHub } from './statistics';

const IDLE_POLL_MS = 500;
let readerSeq = 0;

export function readerConfig(options: ResolvedOptions, config: PartitionReaderConfig): RdConfig {
  const rd: RdConfig = {
    'bootstrap.servers': options.brokers.join(','),
    'client.id': options.clientId,
    ...options.config,
    ...options.consumerConfig,
  };
  if (config.maxWaitMs !== undefined) rd['fetch.wait.max.ms'] = config.maxWaitMs;
  // librdkafka's consumer requires a group id; the reader never joins or commits with it.
  rd['group.id'] = `goka-ts-reader-${process.pid}-${++readerSeq}-${Date.now().toString(36)}`;
  rd['enable.auto.commit'] = false;
  rd['enable.auto.offset.store'] = false;
  // EOF events tell a bounded reader it reached the end even when the last offsets are gone (compaction).
  rd['enable.partition.eof'] = true;
  // A start offset below the log start (retention) reads from the oldest record.
  rd['auto.offset.reset'] = 'earliest';
  return rd;
}

interface Plan {
  readonly partition: number;
  /** librdkafka offset to assign (absolute or logical). */
  readonly offset: number;
  readonly highWatermark: number;
  /** Nothing to read up to the high watermark. */
  readonly caughtUp: boolean;
}

function plan(start: PartitionStart, low: number, high: number): Plan {
  const { partition, from } = start;
  if (from === 'newest') return { partition, offset: OFFSET_END, highWatermark: high, caughtUp: true };
  if (from === 'oldest') return { partition, offset: OFFSET_BEGINNING, highWatermark: high, caughtUp: low >= high };
  if (!Number.isInteger(from) || from < 0) throw new GokaError(`invalid start offset ${from} for partition ${partition}`);
  return { partition, offset: from, highWatermark: high, caughtUp: Math.max(from, low) >= high };
}

/**
 * Reads given partitions of one topic by manual assignment: no group membership, no commits.
 * The high watermark of each partition is queried at start; `follow: false` stops there (records
 * beyond it are not delivered), `follow: true` reports reaching it and keeps reading.
 */
export class ConfluentPartitionReader implements PartitionReader {
  private state: 'idle' | 'running' | 'stopping' | 'stopped' = 'idle';
  private consumer?: KafkaConsumer;
  private loop?: ConsumeLoop;
  private dispatcher?: BatchDispatcher;
  private handler?: ReaderHandler;
  private starting: Promise<void> = Promise.resolve();
  private stopping?: Promise<void>;
  private settle?: { resolve: () => void; reject: (err: unknown) => void };
  private failure?: unknown;
  private remaining = 0;
  private readonly caughtUp = new Set<number>();
  private readonly highWatermarks = new Map<number, number>();
  private eofs: Flow[] = [];

  constructor(
    private readonly options: ResolvedOptions,
    private readonly statistics: StatisticsHub,
    private readonly config: PartitionReaderConfig,
  ) {
    if (!config.topic) throw new GokaError('partition reader needs a topic');
    const seen = new Set<number>();
    for (const p of config.partitions) {
      if (!Number.isInteger(p.partition) || p.partition < 0 || seen.has(p.partition)) {
        throw new GokaError(`partition reader of "${config.topic}": invalid or repeated partition ${p.partition}`);
      }
      seen.add(p.partition);
    }
  }

  run(handler: ReaderHandler): Promise<void> {
    if (this.state !== 'idle') return Promise.reject(new StateError(`partition reader of "${this.config.topic}" can run only once`));
    this.state = 'running';
    this.handler = handler;
    return new Promise<void>((resolve, reject) => {
      this.settle = { resolve, reject };
      this.starting = this.start().catch((err: unknown) => this.fail(err));
    });
  }

  private async start(): Promise<void> {
    const { topic, follow } = this.config;
    const consumer = new rdkafka.KafkaConsumer({
      ...readerConfig(this.options, this.config),
      queue_non_empty_cb: () => this.loop?.notify(),
    } as never);
    this.consumer = consumer;
    const watch = new ConnectionWatch(consumer, this.options.brokers, this.options.connectionTimeoutMs, (err) => this.fail(err));
    instrument(consumer, `reader ${topic}`, { logger: this.options.logger, statistics: this.statistics }, (err) => {
      if (err.isFatal) {
        this.fail(toGokaError(err, `partition reader of "${topic}" failed`, { brokers: this.options.brokers }));
        return;
      }
      this.options.logger?.warn(`partition reader of "${topic}": ${err.message}`, { code: err.code });
      watch.observe(err);
    });
    consumer.on('partition.eof', (eof: EofEvent) => this.onEof(eof));
    try {
      await connectClient(consumer, this.options.connectionTimeoutMs);
    } catch (err) {
      throw new KafkaConnectionError(
        `partition reader of "${topic}" could not connect to ${this.options.brokers.join(',')} within ${this.options.connectionTimeoutMs} ms: ${(err as Error).message}`,
        { cause: err },
      );
    }
    const plans = await this.plan(consumer);
    if (this.state !== 'running') return;

    const dispatcher = new BatchDispatcher(consumer, {
      onBatch: (batch) => this.handler!.onBatch(batch),
      afterBatch: (flow) => this.checkCaughtUp(flow),
      onFatal: (err) => this.fail(err),
    }, this.options.maxBufferedPerPartition);
    this.dispatcher = dispatcher;
    const assignment: { topic: string; partition: number; offset: number }[] = [];
    for (const p of plans) {
      this.highWatermarks.set(p.partition, p.highWatermark);
      if (p.caughtUp) {
        this.reachedEnd(p.partition);
        if (!follow) continue;
      }
      const flow = new Flow(topic, p.partition);
      flow.ready = true;
      if (!follow) flow.stopAt = p.highWatermark;
      dispatcher.flows.add(flow);
      assignment.push({ topic, partition: p.partition, offset: p.offset });
    }
    if (this.state !== 'running') return;
    this.remaining = plans.length - this.caughtUp.size;
    if (!follow && this.remaining === 0) {
      void this.shutdown();
      return;
    }
    this.loop = new ConsumeLoop(consumer, this.options.consumeBatchSize, IDLE_POLL_MS,
      (messages) => dispatcher.ingest(messages),
      (err) => this.onConsumeError(err),
      () => this.afterConsume());
    consumer.assign(assignment);
    void this.loop.start();
  }

  private async plan(consumer: KafkaConsumer): Promise<Plan[]> {
    const { topic } = this.config;
    const timeout = this.options.connectionTimeoutMs;
    try {
      const md = await fetchMetadata(consumer, topic, timeout);
      const topicMd = md.topics.find((t) => t.name === topic);
      if (!topicMd || topicMd.partitions.length === 0) throw new UnknownTopicError(topic, { detail: 'needed by a partition reader' });
      for (const p of this.config.partitions) {
        if (!topicMd.partitions.some((x) => x.id === p.partition)) {
          throw new GokaError(`topic "${topic}" has no partition ${p.partition} (it has ${topicMd.partitions.length})`);
        }
      }
      return await Promise.all(this.config.partitions.map(async (start) => {
        const { lowOffset, highOffset } = await queryWatermarks(consumer, topic, start.partition, timeout);
        return plan(start, lowOffset, highOffset);
      }));
    } catch (err) {
      throw toGokaError(err, `partition reader of "${topic}" querying offsets`, { topic, brokers: this.options.brokers });
    }
  }

  /**
   * librdkafka emits EOF events before the consume call that saw them returns its messages, so
   * they are only noted here and evaluated after those messages were taken in ({@link afterConsume}).
   */
  private onEof(eof: EofEvent): void {
    const flow = this.dispatcher?.flows.get(eof.topic, eof.partition);
    if (!flow) return;
    flow.eofAt = eof.offset;
    this.eofs.push(flow);
  }

  private afterConsume(): void {
    if (this.eofs.length === 0) return;
    const flows = this.eofs;
    this.eofs = [];
    for (const flow of flows) if (!flow.busy && !flow.closed) this.checkCaughtUp(flow);
  }

  /** Called with no batch of `flow` in flight. */
  private checkCaughtUp(flow: Flow): void {
    if (this.caughtUp.has(flow.partition) || flow.buffer.length > 0) return;
    const high = this.highWatermarks.get(flow.partition)!;
    if (flow.delivered < high - 1 && flow.eofAt < high) return;
    this.reachedEnd(flow.partition);
    if (this.config.follow) return;
    // Bounded read: this partition is done; stop fetching it and finish when all are.
    flow.closed = true;
    try {
      this.consumer!.pause([{ topic: flow.topic, partition: flow.partition }]);
    } catch (err) {
      this.fail(toGokaError(err, `partition reader of "${this.config.topic}": pausing partition ${flow.partition}`));
      return;
    }
    if (--this.remaining === 0) void this.shutdown();
  }

  private reachedEnd(partition: number): void {
    this.caughtUp.add(partition);
    try {
      this.handler!.onCaughtUp?.(partition, this.highWatermarks.get(partition)!);
    } catch (err) {
      this.fail(err);
    }
  }

  private onConsumeError(err: unknown): boolean {
    if (isCorruptBatch(err)) {
      this.fail(corruptBatchError(err, this.config.topic, this.config.partitions.map((p) => p.partition)));
      return false;
    }
    if (isUnknownTopic(err)) {
      this.fail(new UnknownTopicError(this.config.topic, { cause: err, detail: 'read by a partition reader' }));
      return false;
    }
    if ((err as LibrdKafkaError).isFatal || codeOf(err) === Code.UNKNOWN_PARTITION) {
      this.fail(toGokaError(err, `partition reader of "${this.config.topic}" failed`, { brokers: this.options.brokers }));
      return false;
    }
    this.options.logger?.warn(`partition reader of "${this.config.topic}": ${(err as Error).message}`, { code: codeOf(err) });
    return true;
  }

  stop(): Promise<void> {
    if (this.state === 'idle') {
      this.state = 'stopped';
      return Promise.resolve();
    }
    return this.shutdown();
  }

  private fail(err: unknown): void {
    if (this.failure !== undefined || this.state === 'stopped') return;
    this.failure = err;
    void this.shutdown();
  }

  private shutdown(): Promise<void> {
    if (this.stopping) return this.stopping;
    this.state = 'stopping';
    this.stopping = (async () => {
      await this.starting;
      await this.loop?.stop();
      const dispatcher = this.dispatcher;
      if (dispatcher) {
        await dispatcher.close(dispatcher.flows.all());
        dispatcher.stop();
      }
      if (this.consumer) await disconnectClient(this.consumer);
      this.state = 'stopped';
      if (this.failure !== undefined) this.settle?.reject(this.failure);
      else this.settle?.resolve();
    })();
    return this.stopping;
  }
}
