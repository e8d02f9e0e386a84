import type { KafkaClient, Logger } from '@goka-ts/api';
import { Emitter, heartbeatCodec, heartbeatKey, TopicManager, type Heartbeat } from '@goka-ts/core';
import { componentProgress, componentState, componentTopics, type ServiceComponent } from './component';

/** Options of {@link HeartbeatWriter}. */
export interface HeartbeatWriterOptions {
  readonly client: KafkaClient;
  readonly topic: string;
  readonly intervalMs: number;
  readonly service: string;
  readonly instance: string;
  readonly logger: Logger;
  /** Partitions of the heartbeat topic when it has to be created. Default 1. */
  readonly partitions?: number;
}

/**
 * Publishes one heartbeat per component to the compacted fleet topic every interval, over a single
 * emitter (one producer connection for the service's life), and a tombstone per component on a
 * clean stop so readers drop them at once instead of waiting for them to go stale.
 */
export class HeartbeatWriter {
  private readonly emitter: Emitter<Heartbeat>;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> = Promise.resolve();
  private failure: unknown;
  private state: 'idle' | 'running' | 'stopped' = 'idle';
  private topicReady: Promise<void> | undefined;

  constructor(
    private readonly options: HeartbeatWriterOptions,
    private readonly components: () => readonly ServiceComponent[],
  ) {
    this.emitter = new Emitter(options.topic, heartbeatCodec, { client: options.client, logger: options.logger });
  }

  /**
   * Creates the topic (compacted) when missing, at most once; {@link start} does it too, this lets a
   * reader of the topic (the fleet page) find it before the first beat.
   */
  ensureTopic(): Promise<void> {
    this.topicReady ??= this.createTopic();
    return this.topicReady;
  }

  /** Creates the topic when missing (see {@link ensureTopic}), connects, and writes the first beat at once. */
  async start(): Promise<void> {
    if (this.state !== 'idle') throw new Error(`heartbeats: start() in state ${this.state}`);
    await this.ensureTopic();
    await this.emitter.start();
    this.state = 'running';
    await this.beat();
    this.timer = setInterval(() => {
      // One beat at a time: a slow broker must not pile up sends.
      this.inFlight = this.inFlight.then(() => this.beat());
    }, this.options.intervalMs);
  }

  /** The last error of a beat, if the latest one failed (heartbeats never stop the service). */
  get lastError(): unknown {
    return this.failure;
  }

  /** Stops beating; with `tombstones`, deletes every component's record, then closes the producer. */
  async stop(tombstones: boolean): Promise<void> {
    if (this.state === 'stopped') return;
    const wasRunning = this.state === 'running';
    this.state = 'stopped';
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.inFlight;
    try {
      if (tombstones && wasRunning) {
        await Promise.all(this.components().map((c) => this.emitter.emitSync(this.key(c), null)));
      } else if (wasRunning) {
        // After a failure the fleet should see the failed state, not a silent disappearance.
        await Promise.all(this.components().map((c) => this.emitter.emitSync(this.key(c), this.heartbeat(c))));
      }
    } finally {
      await this.emitter.finish();
    }
  }

  /** The heartbeat of a component now. */
  heartbeat(c: ServiceComponent): Heartbeat {
    const { partitions, lag } = componentProgress(c);
    return {
      version: 1,
      service: this.options.service,
      instance: this.options.instance,
      kind: c.kind,
      name: c.name,
      topics: componentTopics(c),
      state: componentState(c),
      partitions,
      lag,
      at: Date.now(),
      intervalMs: this.options.intervalMs,
    };
  }

  private async createTopic(): Promise<void> {
    const manager = await TopicManager.connect(this.options.client, { logger: this.options.logger });
    try {
      await manager.ensureTable(this.options.topic, this.options.partitions ?? 1);
    } finally {
      await manager.close();
    }
  }

  private key(c: ServiceComponent): string {
    return heartbeatKey({ service: this.options.service, instance: this.options.instance, kind: c.kind, name: c.name });
  }

  private async beat(): Promise<void> {
    if (this.state !== 'running') return;
    try {
      await Promise.all(this.components().map((c) => this.emitter.emitSync(this.key(c), this.heartbeat(c))));
      this.failure = undefined;
    } catch (error) {
      // A missed beat only makes the instance look stale for a while; the next one may succeed.
      this.failure = error;
      this.options.logger.warn('heartbeat failed', { topic: this.options.topic, error: error instanceof Error ? error.message : String(error) });
    }
  }
}
