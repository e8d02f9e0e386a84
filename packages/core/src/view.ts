import {
  StateError,
  UnknownTopicError,
  type Admin,
  type Codec,
  type ComponentState,
  type Hasher,
  type KafkaClient,
  type KeyCodec,
  type Logger,
  type StorageBuilder,
  type TableStats,
  type ViewStats,
} from '@goka-ts/api';
import { memoryStorage } from '@goka-ts/storage-memory';
import { Backoff, sleep } from './backoff';
import { ComponentLifecycle, type StateListener } from './component_lifecycle';
import type { PersistedGraph } from './graph/graph';
import { murmur2Hasher } from './hashers/murmur2';
import { utf8Keys } from './codecs/key_codecs';
import { defaultLogger } from './logger';
import { decodableRecords, skippedKeys, type TableErrorPolicy } from './errors/record_check';
import { isConnectionFailure } from './errors/transient';
import { PartitionTable } from './table/partition_table';
import { decodeTableValue } from './table/table_decode_error';
import { followTables, recoverTables } from './table/table_reader';

export interface ViewReconnectOptions {
  /** First wait after a connection failure (ms). Default 1000. */
  readonly initialBackoffMs?: number;
  /** Longest wait between attempts (ms). Default 30 000. */
  readonly maxBackoffMs?: number;
}

export interface ViewOptions {
  readonly client: KafkaClient;
  /** Local storage per partition. Default: in memory. */
  readonly storage?: StorageBuilder;
  /** Must match the hasher of the table's producers. Default {@link murmur2Hasher}. */
  readonly hasher?: Hasher;
  /**
   * How the table's keys become strings and back; must match the writer's (a processor's is its
   * graph's `keys`). Default `utf8Keys`: a record whose key is not valid UTF-8 fails `run()` naming
   * topic, partition and offset (with `onError: 'skip'` it is logged and skipped); `binaryKeys`
   * reads any key. `View.of(graph)` takes the graph's.
   */
  readonly keys?: KeyCodec;
  /**
   * Keep running through connection failures (a `KafkaConnectionError`, also as a cause): wait with
   * exponential backoff, then reconnect and continue from the locally applied offsets. Other errors still end `run()`.
   * Default off: a connection failure rejects `run()`.
   */
  readonly autoReconnect?: boolean | ViewReconnectOptions;
  /** Where the component logs. Default {@link defaultLogger}: stderr at `'warn'` (env `GOKA_LOG_LEVEL` overrides); {@link silentLogger} quiets it. */
  readonly logger?: Logger;
  /** Longest time a fetch waits for data (ms). */
  readonly maxWaitMs?: number;
  /** See {@link TableStats.stalled}. Default 2 minutes. */
  readonly stalledAfterMs?: number;
  /**
   * What to do with a table record the codec cannot decode. When set, every record is decoded as it
   * is applied (recovery and following), so a bad one is found at once and named with topic,
   * partition, offset and key: `'fail'` ends `run()` with that MessageError, `'skip'` logs it, counts
   * it ({@link View.skippedRecords}) and leaves the key at its previous value (a record whose key
   * the key codec refuses is skipped and counted too, else it fails `run()`). Unset (default, the
   * cheapest): records are stored as they are and decoded on read, where `get()` and the iterator
   * throw for a bad value, naming key and partition.
   */
  readonly onError?: TableErrorPolicy;
}

/**
 * A read-only local copy of a whole table (every partition), kept up to date.
 *
 * ```ts
 * const view = new View('clicks-table', int64Codec, { client }); // or View.of(graph, { client })
 * const running = view.run(signal);
 * await view.waitRunning();
 * console.log(await view.get('user-1'));
 * await view.stop(); await running;
 * ```
 */
export class View<T> {
  /** The key codec of the table (see {@link ViewOptions.keys}). */
  readonly keyCodec: KeyCodec;
  private readonly hasher: Hasher;
  private readonly storage: StorageBuilder;
  private readonly logger: Logger;
  private readonly reconnect: Required<ViewReconnectOptions> | undefined;
  private readonly lifecycle: ComponentLifecycle;
  private tables: PartitionTable[] = [];
  private partitions = 0;
  private running: Promise<void> | undefined;
  private stopController: AbortController | undefined;
  private skipped = 0;

  constructor(
    readonly table: string,
    private readonly codec: Codec<T>,
    private readonly options: ViewOptions,
  ) {
    this.hasher = options.hasher ?? murmur2Hasher;
    this.keyCodec = options.keys ?? utf8Keys;
    this.storage = options.storage ?? memoryStorage();
    this.logger = options.logger ?? defaultLogger();
    this.lifecycle = new ComponentLifecycle(`view of table "${table}"`, this.logger);
    if (options.onError !== undefined && options.onError !== 'fail' && options.onError !== 'skip') {
      throw new TypeError(`view of table "${table}": onError must be 'fail' or 'skip', got ${JSON.stringify(options.onError)}`);
    }
    const ar = options.autoReconnect;
    this.reconnect = ar ? { initialBackoffMs: 1000, maxBackoffMs: 30_000, ...(ar === true ? {} : ar) } : undefined;
  }

  /**
   * A view of the group table of `graph`, typed and decoded by its `persist` codec, with its key
   * codec (`keys` in `options` wins). A graph without `persist` has no table and does not compile here.
   *
   * ```ts
   * const graph = defineGroup('counter', { inputs: { clicks: { codec: stringCodec, handler: (ctx) => ctx.setValue((ctx.value() ?? 0) + 1) } }, persist: int64Codec });
   * const view = View.of(graph, { client }); // a View<number> of "counter-table"
   * ```
   */
  static of<V>(graph: PersistedGraph<V>, options: ViewOptions): View<V> {
    // The type rules out a graph without a table; this catches casts and plain JavaScript.
    if (graph.tableTopic === undefined || graph.tableCodec === undefined) {
      throw new TypeError(`group "${graph.group}" has no table: View.of needs a graph with \`persist\``);
    }
    return new View(graph.tableTopic, graph.tableCodec, graph.keyCodec && !options.keys ? { ...options, keys: graph.keyCodec } : options);
  }

  get state(): ComponentState {
    return this.lifecycle.state;
  }

  /** Table records dropped because they could not be decoded (with `onError: 'skip'`). */
  get skippedRecords(): number {
    return this.skipped;
  }

  /** Partition count of the table; 0 before `run()` looked it up. */
  get partitionCount(): number {
    return this.partitions;
  }

  /** Calls `listener` on every state change; returns the function that removes it. */
  onStateChange(listener: StateListener): () => void {
    return this.lifecycle.onStateChange(listener);
  }

  /**
   * Recovers every partition, then follows new records until {@link stop} or `signal` (resolves) or
   * a fatal error (rejects). Can run again after it ended (storages are opened anew).
   */
  run(signal?: AbortSignal): Promise<void> {
    if (this.running) return Promise.reject(new StateError(`view of table "${this.table}" is already running`));
    const controller = new AbortController();
    this.stopController = controller;
    const onAbort = () => controller.abort();
    if (signal?.aborted) controller.abort();
    else signal?.addEventListener('abort', onAbort, { once: true });
    this.running = this.runLoop(controller.signal).finally(() => {
      signal?.removeEventListener('abort', onAbort);
      this.running = undefined;
      this.stopController = undefined;
    });
    return this.running;
  }

  /** Stops a running view; resolves when `run()` has ended (whatever its outcome). */
  async stop(): Promise<void> {
    const running = this.running;
    if (!running) return;
    this.stopController?.abort();
    await running.catch(() => undefined);
  }

  /**
   * Resolves once every partition is recovered (state `running`); rejects when the view fails or
   * stops before that, and at once when it already ended (`stopped` / `failed`).
   */
  waitRunning(): Promise<void> {
    return this.lifecycle.waitFor('running', { rejectWhenEnded: true });
  }

  /**
   * The value of `key`, from the partition the hasher picks; `undefined` when absent.
   * @throws when the key codec cannot encode `key` (e.g. a char above `\u00ff` with `binaryKeys`).
   */
  async get(key: string): Promise<T | undefined> {
    const table = this.tableOf(key);
    const bytes = await table.storage.get(key);
    return bytes === undefined ? undefined : this.decode(bytes, key, table.partition);
  }

  async has(key: string): Promise<boolean> {
    return this.tableOf(key).storage.has(key);
  }

  /** Every entry of every partition (partition by partition, keys in order within a partition). */
  async *iterator(): AsyncIterableIterator<[key: string, value: T]> {
    const tables = this.openTables();
    for (const table of tables) {
      for await (const [key, bytes] of table.storage.iterator()) {
        yield [key, this.decode(bytes, key, table.partition)];
      }
    }
  }

  stats(): ViewStats {
    const partitions: Record<number, TableStats> = {};
    for (const table of this.tables) partitions[table.partition] = table.stats();
    return { table: this.table, state: this.lifecycle.state, partitions };
  }

  private async runLoop(signal: AbortSignal): Promise<void> {
    this.setState('starting');
    const backoff = this.reconnect && new Backoff({ initialMs: this.reconnect.initialBackoffMs, maxMs: this.reconnect.maxBackoffMs });
    try {
      for (;;) {
        try {
          await this.runOnce(signal, () => backoff?.reset());
          break;
        } catch (err) {
          if (signal.aborted) break;
          if (!backoff || !isConnectionFailure(err)) throw err;
          const delayMs = backoff.next();
          this.logger.warn('view lost its connection; reconnecting', { table: this.table, attempt: backoff.attempts, delayMs, error: err });
          this.setState('starting');
          if (!(await sleep(delayMs, signal))) break;
        }
      }
      await this.closeTables();
      this.setState('stopped');
    } catch (err) {
      await this.closeTables().catch((closeError: unknown) =>
        this.logger.error('closing view storage failed', { table: this.table, error: closeError }),
      );
      this.lifecycle.set('failed', err);
      throw err;
    }
  }

  /** One connection: recover (continuing from what is applied), then follow until stopped. */
  private async runOnce(signal: AbortSignal, connected: () => void): Promise<void> {
    const admin = this.options.client.admin();
    await admin.connect();
    try {
      if (this.tables.length === 0) await this.openTablesFor(admin);
      this.setState('recovering');
      if (!(await recoverTables(this.tables, { signal, admin }))) return;
    } finally {
      await admin.close();
    }
    connected();
    this.setState('running');
    await followTables(this.tables, { signal });
  }

  private async openTablesFor(admin: Admin): Promise<void> {
    const description = await admin.describeTopic(this.table);
    if (!description) {
      throw new UnknownTopicError(this.table, { detail: 'a view never creates topics; start the processor that owns the table first' });
    }
    this.partitions = description.partitions;
    const policy = this.options.onError;
    const accept = policy && decodableRecords(this.codec as Codec<unknown>, policy, this.logger, () => this.skipped++);
    const skipKey = policy === 'skip' ? skippedKeys(this.logger, () => this.skipped++) : undefined;
    const tables = Array.from(
      { length: description.partitions },
      (_, partition) =>
        new PartitionTable({
          topic: this.table,
          partition,
          client: this.options.client,
          storage: this.storage,
          logger: this.logger,
          maxWaitMs: this.options.maxWaitMs,
          stalledAfterMs: this.options.stalledAfterMs,
          accept,
          keys: this.keyCodec,
          skipKey,
        }),
    );
    const opened = await Promise.allSettled(tables.map((table) => table.open()));
    const failure = opened.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) {
      // Close what did open, so a reconnect attempt starts from scratch and nothing leaks.
      await Promise.allSettled(tables.map((table) => table.close()));
      throw failure.reason;
    }
    this.tables = tables;
  }

  private async closeTables(): Promise<void> {
    const tables = this.tables;
    this.tables = [];
    const closed = await Promise.allSettled(tables.map((table) => table.close()));
    const failure = closed.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) throw failure.reason;
  }

  private tableOf(key: string): PartitionTable {
    const tables = this.openTables();
    // The key's bytes are hashed, as its writer hashed them.
    return tables[this.hasher.partition(this.keyCodec.encode(key), tables.length)];
  }

  private openTables(): PartitionTable[] {
    if (this.tables.length === 0) throw new StateError(`view of table "${this.table}" is not running; call run() first`);
    return this.tables;
  }

  private decode(bytes: Buffer, key: string, partition: number): T {
    return decodeTableValue(this.codec, bytes, { reader: `view of table "${this.table}"`, table: this.table, partition, key });
  }

  private setState(state: ComponentState): void {
    this.lifecycle.set(state);
  }
}
