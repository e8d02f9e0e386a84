import { GokaError, StateError, UnknownTopicError } from '@goka-ts/api';
import type { PartitionReader, PartitionReaderConfig, ReaderHandler } from '@goka-ts/api';
import type { Consumer } from '@platformatic/kafka';
import { topicInfo } from './cluster';
import { toGokaError } from './errors';
import { FetchLoop, type Slot } from './fetch_loop';
import { createFetcher, listOffsets } from './fetcher';
import type { ResolvedOptions } from './options';

/**
 * Defaults of the reader. A short fetch wait: followers see new records soon. Small responses:
 * a response is decoded into objects at once and every partition's batch is held until storage
 * has applied it, so a 1M-key table recovery into LevelDB peaked at 306-335 MiB with 10 MiB per
 * response and 1 MiB per partition, and at 192-251 MiB with 2 MiB and 256 KiB, at the same records/s
 * (bench/ `recovery`). A partition batch larger than the limit is still returned whole by the broker.
 */
export const READER_DEFAULTS = { maxWaitMs: 500, maxBytes: 2 * 1024 * 1024, maxBytesPerPartition: 256 * 1024 };

type State = 'idle' | 'running' | 'stopping' | 'stopped' | 'failed';

/** {@link PartitionReader} on the adapter's fetch loop, in read_committed. */
export class PlatformaticPartitionReader implements PartitionReader {
  private state: State = 'idle';
  private fetcher?: Consumer;
  private loop?: FetchLoop;
  private settle!: { resolve: () => void; reject: (err: Error) => void };
  private started?: Promise<void>;
  private finished?: Promise<void>;
  /** Per partition: the offset that counts as caught up (read_committed end offset at start). */
  private readonly targets = new Map<number, bigint>();
  private readonly caughtUp = new Set<number>();
  private handler!: ReaderHandler;
  private readonly name: string;

  constructor(private readonly options: ResolvedOptions, private readonly config: PartitionReaderConfig) {
    this.name = `platformatic partition reader of "${config.topic}"`;
    const seen = new Set<number>();
    for (const p of config.partitions) {
      if (seen.has(p.partition)) throw new GokaError(`${this.name}: partition ${p.partition} listed twice`);
      seen.add(p.partition);
    }
  }

  run(handler: ReaderHandler): Promise<void> {
    if (this.state !== 'idle') return Promise.reject(new StateError(`${this.name}: run() can be called once (state ${this.state})`));
    this.state = 'running';
    this.handler = handler;
    const done = new Promise<void>((resolve, reject) => (this.settle = { resolve, reject }));
    this.started = this.start().catch((err: unknown) => this.fail(toGokaError(err, { operation: this.name, brokers: this.options.brokers, topic: this.config.topic })));
    return done;
  }

  async stop(): Promise<void> {
    if (this.state === 'idle') {
      this.state = 'stopped';
      return;
    }
    if (this.state === 'running') {
      this.state = 'stopping';
      this.finished = (async () => {
        await this.started;
        await this.shutdown();
        if (this.state === 'stopping') {
          this.state = 'stopped';
          this.settle.resolve();
        }
      })();
    }
    await this.finished;
  }

  private async start(): Promise<void> {
    const { topic } = this.config;
    const fetcher = createFetcher(this.options, 'reader');
    this.fetcher = fetcher;
    const info = await topicInfo(fetcher, topic);
    if (!info) throw new UnknownTopicError(topic, { detail: 'cannot read it' });
    const partitions = this.config.partitions.map((p) => p.partition);
    for (const p of partitions) {
      if (p < 0 || p >= info.partitions) throw new GokaError(`${this.name}: topic "${topic}" has no partition ${p} (it has ${info.partitions})`);
    }
    const [oldest, newest] = await Promise.all([listOffsets(fetcher, topic, partitions, 'oldest'), listOffsets(fetcher, topic, partitions, 'newest')]);
    if (this.state !== 'running') return;
    const loop = new FetchLoop(fetcher, { name: this.name, brokers: this.options.brokers, ...READER_DEFAULTS, maxWaitMs: this.config.maxWaitMs ?? READER_DEFAULTS.maxWaitMs }, {
      deliver: (slot, messages) => this.handler.onBatch({ topic, partition: slot.partition, messages, highWatermark: slot.highWatermark }),
      idle: (slot) => this.checkCaughtUp(slot),
      resetOffset: async (slot) => (await listOffsets(fetcher, topic, [slot.partition], 'oldest')).get(slot.partition) ?? 0n,
      fail: (err) => this.fail(err),
    });
    this.loop = loop;
    for (const p of this.config.partitions) {
      const first = oldest.get(p.partition)!;
      const end = newest.get(p.partition)!;
      this.targets.set(p.partition, end);
      let from = p.from === 'oldest' ? first : p.from === 'newest' ? end : BigInt(p.from);
      // Below the oldest offset retention has removed the records: start at what is there.
      if (from < first) from = first;
      const slot = loop.add(topic, p.partition, from);
      this.checkCaughtUp(slot);
    }
    if (this.state === 'running' && !this.finishedReading()) loop.start();
  }

  private checkCaughtUp(slot: Slot): void {
    if (this.caughtUp.has(slot.partition) || this.state !== 'running') return;
    const target = this.targets.get(slot.partition)!;
    if (slot.next < target) return;
    this.caughtUp.add(slot.partition);
    try {
      this.handler.onCaughtUp?.(slot.partition, Math.max(Number(target), slot.highWatermark));
    } catch (err) {
      this.fail(err instanceof Error ? err : new GokaError(String(err)));
      return;
    }
    if (!this.config.follow) {
      void this.loop?.remove(this.config.topic, slot.partition);
      this.finishedReading();
    }
  }

  /** `follow: false`: resolves run() once every partition is caught up. */
  private finishedReading(): boolean {
    if (this.config.follow || this.caughtUp.size < this.config.partitions.length || this.state !== 'running') return false;
    this.state = 'stopping';
    this.finished = (async () => {
      await this.shutdown();
      this.state = 'stopped';
      this.settle.resolve();
    })();
    return true;
  }

  private fail(err: Error): void {
    if (this.state === 'failed' || this.state === 'stopped') return;
    this.state = 'failed';
    this.finished = this.shutdown().then(() => this.settle.reject(err));
  }

  private async shutdown(): Promise<void> {
    const loop = this.loop;
    await loop?.stop();
    await Promise.all((loop?.all() ?? []).map((s) => s.delivering?.catch(() => undefined)));
    await this.fetcher?.close().catch(() => undefined);
  }
}
