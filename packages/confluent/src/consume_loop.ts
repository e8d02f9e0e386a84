import { consumeReady, type KafkaConsumer, type RdMessage } from './rdkafka';

/**
 * Drives a consumer without blocking libuv's thread pool: every `consume` call takes only what
 * librdkafka already has (timeout 0), and between calls the loop sleeps until librdkafka signals
 * a non-empty queue (`queue_non_empty_cb`, wired to {@link notify}) or `idleMs` passed. Polling
 * regularly also serves rebalance events and keeps `max.poll.interval.ms` satisfied.
 */
export class ConsumeLoop {
  private stopped = false;
  private signaled = false;
  private wake?: () => void;
  private timer?: NodeJS.Timeout;
  private done?: Promise<void>;

  constructor(
    private readonly consumer: KafkaConsumer,
    private readonly batchSize: number,
    private readonly idleMs: number,
    private readonly onMessages: (messages: RdMessage[]) => void,
    /** Returns true to keep going (transient), false to stop the loop. */
    private readonly onError: (err: unknown) => boolean,
    /** After each successful consume call, once its messages were handed to `onMessages`. */
    private readonly afterConsume?: () => void,
  ) {}

  /** librdkafka queued something: wake the loop. Cheap and safe to call from any callback. */
  notify(): void {
    this.signaled = true;
    const wake = this.wake;
    if (wake) {
      this.wake = undefined;
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      wake();
    }
  }

  start(): Promise<void> {
    this.consumer.setDefaultConsumeTimeout(0);
    this.done ??= this.run();
    return this.done;
  }

  /** Stops after the consume call in progress; resolves when the loop has exited. */
  stop(): Promise<void> {
    this.stopped = true;
    this.notify();
    return this.done ?? Promise.resolve();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      this.signaled = false;
      let messages: RdMessage[];
      try {
        messages = await consumeReady(this.consumer, this.batchSize);
      } catch (err) {
        if (this.stopped || !this.onError(err)) return;
        await this.sleep();
        continue;
      }
      if (this.stopped) return;
      if (messages.length > 0) this.onMessages(messages);
      this.afterConsume?.();
      if (messages.length < this.batchSize && !this.signaled) await this.sleep();
    }
  }

  private sleep(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      this.wake = resolve;
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.wake = undefined;
        resolve();
      }, this.idleMs);
    });
  }
}
