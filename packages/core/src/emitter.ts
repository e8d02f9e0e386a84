import {
  StateError,
  UnknownTopicError,
  type Codec,
  type ComponentState,
  type Hasher,
  type Headers,
  type KafkaClient,
  type KeyCodec,
  type Logger,
  type Producer,
  type ProducerConfig,
  type ProduceResult,
} from '@goka-ts/api';
import { ComponentLifecycle } from './component_lifecycle';
import { murmur2Hasher } from './hashers/murmur2';
import { utf8Keys } from './codecs/key_codecs';
import { defaultLogger } from './logger';
import { checkMaxMessageBytes, oversized, recordBytes } from './codecs/message_size';

export interface EmitterOptions {
  readonly client: KafkaClient;
  /** Must match the hasher of the processors reading the topic. Default {@link murmur2Hasher}. */
  readonly hasher?: Hasher;
  /**
   * Turns keys into record keys; must match the key codec of the processors reading the topic (their
   * graph's `keys`). Default `utf8Keys`; with `binaryKeys` a key is one byte per char
   * (`bytes.toString('latin1')`). The hasher hashes the encoded bytes.
   */
  readonly keys?: KeyCodec;
  /** Headers added to every record; per-emit headers win on name clashes. */
  readonly defaultHeaders?: Headers;
  readonly producer?: ProducerConfig;
  /** Where the component logs. Default {@link defaultLogger}: stderr at `'warn'` (env `GOKA_LOG_LEVEL` overrides); {@link silentLogger} quiets it. */
  readonly logger?: Logger;
  /**
   * Largest record (key, value and headers) an emit may send; larger ones reject with a
   * RecordTooLargeError naming key, topic and size, before anything is sent. Default 1 000 000
   * (see the processor option of the same name); `Infinity` turns the check off.
   */
  readonly maxMessageBytes?: number;
}

export interface EmitterEmitOptions {
  readonly headers?: Headers;
}

/** Counters of an emitter. */
export interface EmitterStats {
  readonly topic: string;
  readonly state: ComponentState;
  /** Records acknowledged by Kafka. */
  readonly emitted: number;
  /** Key and value bytes of acknowledged records. */
  readonly bytes: number;
  /** Emits that rejected (encoding or Kafka errors). */
  readonly failed: number;
}

/**
 * Produces to one topic with goka-ts' partitioning, so processors of the topic see each key in the
 * partition their hasher expects. Connects on the first emit (or {@link start}); never creates topics.
 *
 * ```ts
 * const emitter = new Emitter('user-clicks', jsonCodec<Click>(), { client });
 * const { partition, offset } = await emitter.emit('user-1', { page: '/' });
 * await emitter.finish();
 * ```
 */
export class Emitter<T> {
  private readonly hasher: Hasher;
  private readonly keys: KeyCodec;
  private readonly defaultHeaders: Headers | undefined;
  private readonly logger: Logger;
  private readonly maxMessageBytes: number;
  private producer: Producer | undefined;
  private partitions = 0;
  private starting: Promise<void> | undefined;
  /** Emits that arrived before the producer was ready; finish() waits for them. */
  private readonly beforeStart = new Set<Promise<unknown>>();
  private readonly lifecycle: ComponentLifecycle;
  private finishing: Promise<void> | undefined;
  private emitted = 0;
  private bytes = 0;
  private failed = 0;

  constructor(
    readonly topic: string,
    private readonly codec: Codec<T>,
    private readonly options: EmitterOptions,
  ) {
    this.hasher = options.hasher ?? murmur2Hasher;
    this.keys = options.keys ?? utf8Keys;
    this.defaultHeaders = options.defaultHeaders;
    this.logger = options.logger ?? defaultLogger();
    this.lifecycle = new ComponentLifecycle(`emitter for topic "${topic}"`, this.logger);
    this.maxMessageBytes = checkMaxMessageBytes(`emitter for topic "${topic}"`, options.maxMessageBytes);
  }

  get state(): ComponentState {
    return this.lifecycle.state;
  }

  /** Partition count of the topic; 0 until started. */
  get partitionCount(): number {
    return this.partitions;
  }

  /**
   * Fetches the partition count and connects the producer. Optional: the first emit does it.
   * @throws {UnknownTopicError} when the topic does not exist (a later call tries again).
   */
  start(): Promise<void> {
    if (this.finishing) return Promise.reject(this.finishedError());
    this.starting ??= this.connect().catch((err: unknown) => {
      this.starting = undefined;
      throw err;
    });
    return this.starting;
  }

  /**
   * Emits `value` (a tombstone for `null`) under `key` to the partition the hasher picks. Resolves with
   * the acknowledged partition and offset; records are batched by the producer's linger settings.
   * Rejects when the key codec cannot encode `key`.
   */
  emit(key: string, value: T | null, options?: EmitterEmitOptions): Promise<ProduceResult> {
    if (this.finishing) return Promise.reject(this.finishedError());
    if (this.producer) return this.send(this.producer, key, value, options, false);
    const pending = this.start().then(() => this.send(this.producer!, key, value, options, false));
    this.track(pending);
    return pending;
  }

  /** Like {@link emit}, but flushes the producer at once instead of waiting for the linger time. */
  emitSync(key: string, value: T | null, options?: EmitterEmitOptions): Promise<ProduceResult> {
    if (this.finishing) return Promise.reject(this.finishedError());
    if (this.producer) return this.send(this.producer, key, value, options, true);
    const pending = this.start().then(() => this.send(this.producer!, key, value, options, true));
    this.track(pending);
    return pending;
  }

  /**
   * Waits for every emit made so far to be acknowledged or failed, then closes the producer. Emits
   * after this reject with a {@link StateError}. Safe to call more than once.
   */
  finish(): Promise<void> {
    this.finishing ??= this.close();
    return this.finishing;
  }

  stats(): EmitterStats {
    return { topic: this.topic, state: this.lifecycle.state, emitted: this.emitted, bytes: this.bytes, failed: this.failed };
  }

  private async connect(): Promise<void> {
    this.lifecycle.set('starting');
    const admin = this.options.client.admin();
    try {
      await admin.connect();
      try {
        const description = await admin.describeTopic(this.topic);
        if (!description) throw new UnknownTopicError(this.topic, { detail: 'an emitter never creates topics; create it first (a processor creates its tables and loops)' });
        this.partitions = description.partitions;
      } finally {
        await admin.close();
      }
      const producer = this.options.client.producer(this.options.producer);
      await producer.connect();
      this.producer = producer;
      this.lifecycle.set('running');
      this.logger.debug('emitter started', { topic: this.topic, partitions: this.partitions });
    } catch (err) {
      this.lifecycle.set('idle');
      throw err;
    }
  }

  private async send(producer: Producer, key: string, value: T | null, options: EmitterEmitOptions | undefined, flush: boolean): Promise<ProduceResult> {
    try {
      const keyBytes = this.keys.encode(key);
      const valueBytes = value === null ? null : this.codec.encode(value);
      const headers = options?.headers ? (this.defaultHeaders ? { ...this.defaultHeaders, ...options.headers } : options.headers) : this.defaultHeaders;
      const tooLarge = oversized(this.topic, key, recordBytes(keyBytes, valueBytes, headers), this.maxMessageBytes);
      if (tooLarge) throw tooLarge;
      const sent = producer.send({ topic: this.topic, partition: this.hasher.partition(keyBytes, this.partitions), key: keyBytes, value: valueBytes, headers });
      if (flush) await producer.flush();
      const result = await sent;
      this.emitted++;
      this.bytes += keyBytes.length + (valueBytes?.length ?? 0);
      return result;
    } catch (err) {
      this.failed++;
      throw err;
    }
  }

  private track(pending: Promise<unknown>): void {
    const forget = (): void => void this.beforeStart.delete(done);
    const done: Promise<void> = pending.then(forget, forget);
    this.beforeStart.add(done);
  }

  private async close(): Promise<void> {
    this.lifecycle.set('stopping');
    // A start in flight would otherwise connect a producer nobody closes.
    await this.starting?.catch(() => undefined);
    await Promise.all(this.beforeStart);
    const producer = this.producer;
    this.producer = undefined;
    try {
      if (producer) await producer.close();
      this.lifecycle.set('stopped');
    } catch (err) {
      this.lifecycle.set('failed');
      throw err;
    }
  }

  private finishedError(): StateError {
    return new StateError(`emitter for topic "${this.topic}" is finished`);
  }
}
