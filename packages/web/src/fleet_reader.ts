import type { KafkaClient, Logger } from '@goka-ts/api';
import { Backoff, DEFAULT_HEARTBEAT_TOPIC, heartbeatCodec, sleep, View, type Heartbeat } from '@goka-ts/core';

/** The `fleet` option of the monitor: where the services' heartbeats are. */
export interface FleetOptions {
  /** The client the fleet page reads the heartbeat topic with. */
  readonly client: KafkaClient;
  /** The compacted heartbeat topic. Default `DEFAULT_HEARTBEAT_TOPIC` of `@goka-ts/core`. */
  readonly topic?: string;
  /** Where the reader's view logs (e.g. records it skipped). Default: core's default logger. */
  readonly logger?: Logger;
  /** Longest wait between attempts to (re)start reading after a failure, e.g. a missing topic (ms). Default 5000. */
  readonly maxRetryMs?: number;
}

/** `waiting`: not reading, retrying after the failure in `error` (e.g. the topic does not exist yet). */
export type FleetReaderState = 'idle' | 'starting' | 'running' | 'waiting' | 'stopped';

/** What the fleet page says about its reader. */
export interface FleetReaderStatus {
  readonly topic: string;
  readonly state: FleetReaderState;
  /** The failure the reader is recovering from. */
  readonly error?: string;
  /** Records in the topic that are not heartbeats this page understands (skipped, not fatal). */
  readonly skippedRecords: number;
}

/**
 * Follows the compacted heartbeat topic through a core {@link View} whose error policy skips records
 * that do not decode as heartbeats, so a foreign or newer-format record is counted instead of
 * stopping the page. A failure of the view (the topic is missing because no service has started
 * yet, the broker went away for good) is kept for the page to show, and reading starts over with
 * backoff until {@link stop}.
 */
export class FleetReader {
  readonly topic: string;
  private view: View<Heartbeat> | undefined;
  private loop: Promise<void> | undefined;
  private readonly controller = new AbortController();
  private failure: string | undefined;
  private current: FleetReaderState = 'idle';

  constructor(private readonly options: FleetOptions) {
    this.topic = options.topic ?? DEFAULT_HEARTBEAT_TOPIC;
  }

  /** Starts reading in the background; {@link status} tells how it goes. */
  start(): void {
    if (this.current !== 'idle') throw new Error(`fleet reader: start() in state ${this.current}`);
    this.current = 'starting';
    this.loop = this.follow(this.controller.signal);
  }

  /** Stops reading; resolves when the view is closed and no retry timer is left. */
  async stop(): Promise<void> {
    this.controller.abort();
    await this.loop;
    this.current = 'stopped';
  }

  status(): FleetReaderStatus {
    return {
      topic: this.topic,
      state: this.current,
      ...(this.failure === undefined ? {} : { error: this.failure }),
      skippedRecords: this.view?.skippedRecords ?? 0,
    };
  }

  /** The latest heartbeat of every component that did not stop cleanly; none while not running. */
  async heartbeats(): Promise<Heartbeat[]> {
    const view = this.view;
    if (!view || view.state !== 'running') return [];
    const beats: Heartbeat[] = [];
    for await (const [, beat] of view.iterator()) beats.push(beat);
    return beats;
  }

  private async follow(signal: AbortSignal): Promise<void> {
    const backoff = new Backoff({ initialMs: 250, maxMs: this.options.maxRetryMs ?? 5000 });
    while (!signal.aborted) {
      // A fresh view each attempt re-reads the topic, so the skipped count never counts a record twice.
      const view = new View(this.topic, heartbeatCodec, { client: this.options.client, onError: 'skip', autoReconnect: true, logger: this.options.logger });
      this.view = view;
      const unsubscribe = view.onStateChange((state) => {
        if (state !== 'running') return;
        this.current = 'running';
        this.failure = undefined;
        backoff.reset();
      });
      try {
        await view.run(signal);
        if (signal.aborted) break;
        this.failure = 'the heartbeat view stopped on its own';
      } catch (error) {
        if (signal.aborted) break;
        this.failure = error instanceof Error ? error.message : String(error);
      } finally {
        unsubscribe();
      }
      this.current = 'waiting';
      await sleep(backoff.next(), signal);
    }
  }
}
