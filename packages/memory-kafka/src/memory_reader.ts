import { GokaError, StateError, type PartitionReader, type PartitionReaderConfig, type ReaderHandler } from '@goka-ts/api';
import type { Activity } from './activity';
import type { MemoryBroker } from './memory_broker';
import { PartitionCursor } from './partition_cursor';

/** `stopped`: stop() came before run(); `finished`: run() ended. */
type State = 'new' | 'running' | 'stopped' | 'finished';

/**
 * Reads partitions of one topic of the in-memory broker from given offsets, without a group: up to
 * the high watermark seen at the start (`follow: false`), or following new records until stopped.
 */
export class MemoryPartitionReader implements PartitionReader, Activity {
  private state: State = 'new';
  private cursors: PartitionCursor[] = [];
  private running: Promise<void> | undefined;

  constructor(
    private readonly broker: MemoryBroker,
    private readonly config: PartitionReaderConfig,
  ) {
    const seen = new Set<number>();
    for (const { partition } of config.partitions) {
      if (seen.has(partition)) throw new TypeError(`topic "${config.topic}": partition ${partition} is listed twice`);
      seen.add(partition);
    }
  }

  run(handler: ReaderHandler): Promise<void> {
    if (this.state === 'running') return Promise.reject(new StateError(`reader of topic "${this.config.topic}" is already running`));
    if (this.state === 'finished') return Promise.reject(new StateError(`reader of topic "${this.config.topic}" has finished; create a new one`));
    // Stopped before it ran (a shutdown racing a start): nothing to read.
    if (this.state === 'stopped') return Promise.resolve();
    this.state = 'running';
    this.running = this.readAll(handler);
    return this.running;
  }

  async stop(): Promise<void> {
    const wasRunning = this.state === 'running';
    if (this.state === 'new') this.state = 'stopped';
    for (const cursor of this.cursors) cursor.stop();
    if (wasRunning) await this.running?.catch(() => undefined);
  }

  busyReason(): string | undefined {
    for (const cursor of this.cursors) {
      const reason = cursor.busyReason();
      if (reason !== undefined) return reason;
    }
    return undefined;
  }

  private async readAll(handler: ReaderHandler): Promise<void> {
    try {
      this.cursors = this.createCursors(handler);
    } catch (error) {
      this.state = 'finished';
      throw error;
    }
    const unregister = this.broker.activities.add(this);
    try {
      await runAll(this.cursors);
    } finally {
      unregister();
      this.state = 'finished';
    }
  }

  private createCursors(handler: ReaderHandler): PartitionCursor[] {
    const { topic: name, partitions, follow } = this.config;
    const topic = this.broker.requireTopic(name);
    const owner = `reader of "${name}"`;
    return partitions.map(({ partition, from }) => {
      const log = topic.log(partition);
      if (!log) throw new GokaError(`topic "${name}" has no partition ${partition} (partitions 0..${topic.partitions - 1})`);
      const position = from === 'oldest' ? log.oldest : from === 'newest' ? log.highWatermark : from;
      if (!Number.isInteger(position) || position < 0) throw new RangeError(`topic "${name}" partition ${partition}: invalid start offset ${String(from)}`);
      return new PartitionCursor({
        log,
        position: Math.min(position, log.highWatermark),
        until: follow ? undefined : log.highWatermark,
        maxBatchSize: this.broker.maxBatchSize,
        owner,
        onBatch: (batch) => handler.onBatch(batch),
        onCaughtUp: handler.onCaughtUp ? (highWatermark) => handler.onCaughtUp!(partition, highWatermark) : undefined,
      });
    });
  }
}

/** Runs every cursor; on the first failure stops the others, lets their in-flight batches finish, and rethrows. */
async function runAll(cursors: readonly PartitionCursor[]): Promise<void> {
  let failure: { error: unknown } | undefined;
  await Promise.all(
    cursors.map((cursor) =>
      cursor.run().catch((error: unknown) => {
        if (!failure) failure = { error };
        for (const other of cursors) other.stop();
      }),
    ),
  );
  if (failure) throw failure.error;
}
