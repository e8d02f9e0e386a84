import {
  StateError,
  type Admin,
  type Codec,
  type Hasher,
  type Headers,
  type KafkaClient,
  type KeyCodec,
  type Logger,
  type ProduceResult,
  type Producer,
  type Storage,
  type StorageBuilder,
} from '@goka-ts/api';
import { DEFAULT_SUFFIXES, murmur2Hasher, readDeadLetter, silentLogger, utf8Keys, type DeadLetter, type GroupGraph } from '@goka-ts/core';
import { memoryStorage } from '@goka-ts/storage-memory';
import { MemoryKafka } from '@goka-ts/memory-kafka';
import { StorageRegistry } from './storage_registry';
import { Tracker } from './tracker';

/** Options of a {@link Tester}. */
export interface TesterOptions {
  /** Partition count of the topics the tester creates (feed, track, setTableValue, createTopic). Default 4. */
  readonly partitions?: number;
  /** Maps keys to partitions; must be the hasher the components use. Default murmur2 (core's default). */
  readonly hasher?: Hasher;
  /**
   * Turns the keys of feed, setTableValue, tableValue and tracked records into bytes and back, and
   * is handed to views and emitters; must be the key codec of the graphs under test (their `keys`).
   * Default `utf8Keys`; with `binaryKeys` a key string holds one byte per char.
   */
  readonly keys?: KeyCodec;
  /** Builds the storages handed to components (wrapped so the tester can list them). Default in memory. */
  readonly storage?: StorageBuilder;
  /** Logger handed to components. Default silent. */
  readonly logger?: Logger;
  /** Event-loop turns a wait for quiescence may take before it fails. Default 10 000. */
  readonly maxIdleRounds?: number;
  /** Clock for record timestamps. Default `Date.now`. */
  readonly now?: () => number;
}

/** Options of {@link Tester.feed}. */
export interface FeedOptions {
  /** Header values as bytes or UTF-8 text. */
  readonly headers?: Readonly<Record<string, Buffer | string>>;
  /** Record timestamp (ms); default now. */
  readonly timestamp?: number;
  /** Write to this partition instead of the hasher's choice. */
  readonly partition?: number;
}

/** {@link FeedOptions} with the codec that encodes the value. */
export interface CodecFeedOptions<T> extends FeedOptions {
  readonly codec: Codec<T>;
}

/** Anything with a run/stop life cycle: processors and views. */
export interface RunnableComponent {
  run(signal?: AbortSignal): Promise<void>;
  stop(): Promise<void>;
  /** Resolves once the component is running (recovered); awaited by {@link Tester.start} when present. */
  waitRunning?(): Promise<void>;
}

/** A component started by {@link Tester.start}. */
export interface StartedComponent<C extends RunnableComponent> {
  readonly component: C;
  /** The promise of `component.run()`: rejects with the component's failure (e.g. a `MessageError`). */
  readonly done: Promise<void>;
  /** Stops the component and waits for `run()` to end; resolves even when it failed. */
  stop(): Promise<void>;
}

interface ComponentEntry {
  readonly component: RunnableComponent;
  readonly settled: Promise<void>;
  failure?: { readonly error: unknown };
  reported: boolean;
}

const bytes: Codec<Buffer> = { name: 'bytes', encode: (value) => value, decode: (data) => data };

/**
 * Drives processors, views and emitters in unit tests without Kafka, in the spirit of Goka's tester
 * but with many partitions: an in-memory Kafka ({@link kafka}), a storage builder whose storages the
 * test can inspect ({@link storage}), and helpers that wait until every component has caught up.
 *
 * ```ts
 * const t = new Tester();
 * const processor = new Processor(graph, t.processorOptions());
 * await t.start(processor);
 * await t.feed('clicks', 'user-1', 'click');
 * expect(await t.tableValue('counter-table', 'user-1', int64Codec)).toBe(1);
 * await t.close();
 * ```
 *
 * A component started with {@link start} that fails makes the next {@link feed}, {@link waitIdle}
 * or {@link close} reject with its error (each failure once).
 */
export class Tester {
  /** The in-memory Kafka every component of this tester shares. */
  readonly kafka: MemoryKafka;
  /** Storage builder for processors and views; see {@link storages}. */
  readonly storage: StorageBuilder;
  readonly hasher: Hasher;
  readonly keys: KeyCodec;
  readonly logger: Logger;
  /** Partition count of topics the tester creates. */
  readonly partitions: number;
  private readonly registry: StorageRegistry;
  private readonly components: ComponentEntry[] = [];
  private readonly trackers = new Set<Tracker<unknown>>();
  private producerInstance: Producer | undefined;
  private adminInstance: Admin | undefined;
  private closed = false;

  constructor(options: TesterOptions = {}) {
    this.partitions = options.partitions ?? 4;
    if (!Number.isInteger(this.partitions) || this.partitions < 1) throw new RangeError(`tester: partitions must be a positive integer, got ${options.partitions}`);
    this.hasher = options.hasher ?? murmur2Hasher;
    this.keys = options.keys ?? utf8Keys;
    this.logger = options.logger ?? silentLogger;
    this.kafka = new MemoryKafka({ maxIdleRounds: options.maxIdleRounds, now: options.now });
    this.registry = new StorageRegistry(options.storage ?? memoryStorage());
    this.storage = this.registry.builder;
  }

  /** The Kafka client to give components. */
  get client(): KafkaClient {
    return this.kafka;
  }

  /**
   * Options for a `Processor`: this tester's client, storage, hasher and logger; inputs of a new
   * group start at the oldest offset (records fed before the start are processed); table writes
   * are sent at once instead of at the commit interval, so tables are up to date when a feed returns.
   * With `guarantee: 'exactly-once'` the commit interval defaults to 10 ms (each feed waits for the
   * transaction that makes its effects readable).
   */
  processorOptions<O extends object = {}>(overrides?: O) {
    // Exactly-once output becomes readable only when its transaction commits: a short interval keeps
    // each feed() from waiting for a whole default interval.
    const exactlyOnce = (overrides as { guarantee?: string } | undefined)?.guarantee === 'exactly-once';
    return {
      client: this.client,
      storage: this.storage,
      hasher: this.hasher,
      logger: this.logger,
      startFrom: 'oldest' as const,
      maxBufferedWrites: 1,
      ...(exactlyOnce ? { commitIntervalMs: 10 } : {}),
      ...overrides,
    } as { client: KafkaClient; storage: StorageBuilder; hasher: Hasher; logger: Logger; startFrom: 'oldest'; maxBufferedWrites: number } & O;
  }

  /** Options for a `View`: this tester's client, storage, hasher, key codec and logger. */
  viewOptions<O extends object = {}>(overrides?: O) {
    return { client: this.client, storage: this.storage, hasher: this.hasher, keys: this.keys, logger: this.logger, ...overrides } as {
      client: KafkaClient;
      storage: StorageBuilder;
      hasher: Hasher;
      keys: KeyCodec;
      logger: Logger;
    } & O;
  }

  /** Options for an `Emitter`: this tester's client, hasher, key codec and logger. */
  emitterOptions<O extends object = {}>(overrides?: O) {
    return { client: this.client, hasher: this.hasher, keys: this.keys, logger: this.logger, ...overrides } as { client: KafkaClient; hasher: Hasher; keys: KeyCodec; logger: Logger } & O;
  }

  /**
   * Creates a topic unless it exists (then checks the partition count when one is given). `table`
   * topics get `cleanup.policy=compact`, as processors expect of tables.
   */
  async createTopic(topic: string, options: { readonly partitions?: number; readonly table?: boolean } = {}): Promise<void> {
    this.checkOpen('create a topic');
    const existing = this.kafka.broker.topic(topic);
    if (existing) {
      if (options.partitions !== undefined && existing.partitions !== options.partitions) {
        throw new StateError(`topic "${topic}" already exists with ${existing.partitions} partitions, not ${options.partitions}`);
      }
      return;
    }
    await this.admin().createTopic({
      topic,
      partitions: options.partitions ?? this.partitions,
      replicationFactor: 1,
      config: options.table ? { 'cleanup.policy': 'compact' } : undefined,
    });
  }

  /** The partition the configured hasher picks for `key` (its bytes by the key codec) in (existing) `topic`. */
  partitionOf(topic: string, key: string): number {
    return this.hasher.partition(this.keys.encode(key), this.kafka.broker.requireTopic(topic).partitions);
  }

  /**
   * Writes a record to `topic` (created when missing) in the partition of `key`, then waits until
   * every component has processed everything that follows from it. Without a codec the value is
   * bytes or UTF-8 text; `null` writes a tombstone.
   *
   * @returns where the record was written.
   * @throws the error of a component started with {@link start} that failed meanwhile.
   */
  feed(topic: string, key: string, value: Buffer | string | null, options?: FeedOptions): Promise<ProduceResult>;
  feed<T>(topic: string, key: string, value: T | null, options: CodecFeedOptions<T>): Promise<ProduceResult>;
  async feed<T>(topic: string, key: string, value: T | Buffer | string | null, options: FeedOptions & { readonly codec?: Codec<T> } = {}): Promise<ProduceResult> {
    this.checkOpen('feed');
    await this.createTopic(topic);
    const result = await this.send(topic, key, encode(topic, value, options.codec), options);
    await this.waitIdle();
    return result;
  }

  /**
   * Waits until the in-memory Kafka is quiescent: nothing in flight, every consumer and reader has
   * delivered everything and every batch is handled.
   *
   * @throws the error of a component started with {@link start} that failed meanwhile.
   */
  async waitIdle(): Promise<void> {
    await this.kafka.waitIdle();
    this.throwFailures();
  }

  /**
   * The value of `key` in `table` as Kafka holds it: the latest record of the key in its partition
   * of the table topic (after waiting for quiescence), decoded; undefined when absent or deleted.
   */
  tableValue(table: string, key: string): Promise<Buffer | undefined>;
  tableValue<T>(table: string, key: string, codec: Codec<T>): Promise<T | undefined>;
  async tableValue<T>(table: string, key: string, codec?: Codec<T>): Promise<T | Buffer | undefined> {
    await this.waitIdle();
    const topic = this.kafka.broker.topic(table);
    if (!topic) return undefined;
    const wanted = this.keys.encode(key);
    const log = topic.log(this.hasher.partition(wanted, topic.partitions))!;
    const records = log.all();
    for (let i = records.length - 1; i >= 0; i--) {
      const record = records[i];
      if (record.key === null || !record.key.equals(wanted)) continue;
      if (record.value === null) return undefined;
      return (codec ?? bytes).decode(record.value);
    }
    return undefined;
  }

  /**
   * Writes `key` of `table` (a tombstone for `null`) into the table topic, created compacted when
   * missing, and waits until views and joined tables have applied it. A processor reads its own
   * table topic only when it recovers, so set its values before starting it; doing so while the
   * group runs throws.
   */
  setTableValue(table: string, key: string, value: Buffer | string | null): Promise<void>;
  setTableValue<T>(table: string, key: string, value: T | null, codec: Codec<T>): Promise<void>;
  async setTableValue<T>(table: string, key: string, value: T | Buffer | string | null, codec?: Codec<T>): Promise<void> {
    this.checkOpen('set a table value');
    if (table.endsWith(DEFAULT_SUFFIXES.table)) {
      const group = this.kafka.broker.existingGroup(table.slice(0, -DEFAULT_SUFFIXES.table.length));
      if (group && group.memberIds().length > 0) {
        throw new StateError(
          `cannot set a value of table "${table}" while its processor group "${group.id}" runs: a processor reads its own table only when it recovers. Set the value before starting the processor, or stop it and run it again`,
        );
      }
    }
    await this.createTopic(table, { table: true });
    await this.send(table, key, encode(table, value, codec), {});
    await this.waitIdle();
  }

  /**
   * Records what is written to `topic` from now on (or from its oldest record), in order across its
   * partitions, decoded with `codec` (bytes when omitted).
   */
  track(topic: string, options?: { readonly from?: 'now' | 'oldest' }): Tracker<Buffer>;
  track<T>(topic: string, codec: Codec<T>, options?: { readonly from?: 'now' | 'oldest' }): Tracker<T>;
  track<T>(topic: string, codecOrOptions?: Codec<T> | { readonly from?: 'now' | 'oldest' }, maybeOptions?: { readonly from?: 'now' | 'oldest' }): Tracker<T | Buffer> {
    this.checkOpen('track a topic');
    const codec = codecOrOptions && 'decode' in codecOrOptions ? codecOrOptions : bytes;
    const options = codecOrOptions && 'decode' in codecOrOptions ? maybeOptions : codecOrOptions;
    const initial = options?.from === 'oldest' ? this.kafka.broker.messages(topic) : [];
    const tracker = new Tracker<T | Buffer>(topic, codec as Codec<T | Buffer>, initial, (push) => this.kafka.broker.onAppend(push), this.keys);
    this.trackers.add(tracker as Tracker<unknown>);
    return tracker;
  }

  /**
   * What the error policy parked in dead-letter topic `topic` so far (after waiting for
   * quiescence), in the order it was written: each with the original key, value and headers, where
   * it came from and the error (see `DEAD_LETTER_HEADERS` of `@goka-ts/core`). Empty when the topic
   * does not exist.
   *
   * @throws {GokaError} for a record of the topic that the error policy did not write.
   */
  async deadLetters(topic: string): Promise<DeadLetter[]> {
    await this.waitIdle();
    return this.kafka.broker.messages(topic).map(readDeadLetter);
  }

  /** Storages built through {@link storage} that are open now, for `table` (one partition or all). */
  storages(table: string, partition?: number): Storage[] {
    return this.registry.storages(table, partition);
  }

  /**
   * Runs a processor or view until {@link close}: resolves once it is running (`waitRunning()`) and
   * the in-memory Kafka is quiescent; rejects when it fails before.
   *
   * Topics the component needs but nobody created yet are created first with the tester's partition
   * count, as Goka's tester does: a processor's inputs and outputs (streams), joined and lookup tables
   * (compacted); a view's table. Processors create their own table and loop topics.
   */
  async start<C extends RunnableComponent>(component: C): Promise<StartedComponent<C>> {
    this.checkOpen('start a component');
    await this.createTopicsOf(component);
    const done = component.run();
    const entry: ComponentEntry = {
      component,
      reported: false,
      settled: done.then(
        () => undefined,
        (error: unknown) => {
          entry.failure = { error };
        },
      ),
    };
    this.components.push(entry);
    try {
      await Promise.race([component.waitRunning?.() ?? Promise.resolve(), done]);
    } catch (error) {
      entry.reported = true;
      throw error;
    }
    await this.waitIdle();
    return {
      component,
      done,
      stop: async () => {
        await component.stop();
        await entry.settled;
      },
    };
  }

  /**
   * Stops every started component (last started first), stops trackers and closes the tester's
   * producer and admin. Rejects with the failure of a component that was not reported yet.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const entry of [...this.components].reverse()) {
      try {
        await entry.component.stop();
      } catch (error) {
        entry.failure ??= { error };
      }
      await entry.settled;
    }
    for (const tracker of this.trackers) tracker.stop();
    await this.producerInstance?.close();
    await this.adminInstance?.close();
    this.throwFailures();
  }

  private async createTopicsOf(component: RunnableComponent): Promise<void> {
    const { graph, table } = component as { graph?: GroupGraph; table?: unknown };
    if (graph && Array.isArray(graph.inputs) && graph.outputs instanceof Map) {
      for (const input of graph.inputs) if (input.kind === 'input') await this.createTopic(input.topic);
      for (const topic of graph.outputs.keys()) await this.createTopic(topic);
      for (const topic of [...graph.joins.keys(), ...graph.lookups.keys()]) await this.createTopic(topic, { table: true });
    } else if (typeof table === 'string') {
      await this.createTopic(table, { table: true });
    }
  }

  private async send(topic: string, key: string, value: Buffer | null, options: FeedOptions): Promise<ProduceResult> {
    const partition = options.partition ?? this.partitionOf(topic, key);
    const headers: Headers = {};
    for (const [name, header] of Object.entries(options.headers ?? {})) headers[name] = Buffer.isBuffer(header) ? header : Buffer.from(header);
    this.producerInstance ??= this.kafka.producer();
    return this.producerInstance.send({ topic, partition, key: this.keys.encode(key), value, headers, timestamp: options.timestamp });
  }

  private admin(): Admin {
    return (this.adminInstance ??= this.kafka.admin());
  }

  private throwFailures(): void {
    const unreported = this.components.filter((entry) => entry.failure && !entry.reported);
    for (const entry of unreported) entry.reported = true;
    if (unreported.length > 0) throw unreported[0].failure!.error;
  }

  private checkOpen(what: string): void {
    if (this.closed) throw new StateError(`cannot ${what}: the tester is closed`);
  }
}

function encode<T>(topic: string, value: T | Buffer | string | null, codec: Codec<T> | undefined): Buffer | null {
  if (value === null) return null;
  if (codec) return codec.encode(value as T);
  if (Buffer.isBuffer(value)) return value;
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  throw new TypeError(`topic "${topic}": pass { codec } to encode a value of type ${typeof value}; without a codec only Buffer, string or null are accepted`);
}
