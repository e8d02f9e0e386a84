/// <reference types="jest" />
import type { Storage, StorageBuilder, StorageIteratorOptions } from '@goka-ts/api';

/**
 * How the suite reaches a backend. `build` is called with a topic name no other test uses, so the
 * storage it returns must start empty; building the same (topic, partition) again after `close()`
 * must reach the same data when the backend is persistent.
 */
export interface StorageFactory {
  readonly build: StorageBuilder;
  /** Runs once before the tests (start services, create directories). */
  readonly setup?: () => Promise<void>;
  /** Runs once after the tests (close shared clients, remove directories). */
  readonly teardown?: () => Promise<void>;
}

/** What backend-specific tests registered through {@link DescribeStorageOptions.extraTests} get. */
export interface StorageSuiteContext {
  /** A topic name no other test has used. */
  newTopic(): string;
  /** Builds (unopened); closed by the suite after the test if still open. */
  build(topic: string, partition?: number): Promise<Storage>;
  /** Builds and opens; closed by the suite after the test. */
  open(topic: string, partition?: number): Promise<Storage>;
  /** Reads every entry of an iteration. */
  collect(storage: Storage, options?: StorageIteratorOptions): Promise<Array<[string, Buffer]>>;
}

export interface DescribeStorageOptions {
  /** Data and offset survive close and a rebuild of the same (topic, partition). */
  readonly persistent: boolean;
  /**
   * Iterators see the storage as it was when `iterator()` was called, unaffected by later writes.
   * Default true; backends without snapshots still must return every untouched key once, in order.
   */
  readonly snapshotIterators?: boolean;
  /** Size of the large-value test (default 5 MiB). */
  readonly largeValueBytes?: number;
  /** Number of keys of the many-keys test (default 20 000). */
  readonly manyKeys?: number;
  /** Per-test timeout (default 30 s). */
  readonly timeoutMs?: number;
  /** Registers backend-specific tests (bad cases) inside the suite's `describe`. */
  readonly extraTests?: (context: StorageSuiteContext) => void;
}

/** What the tests of one concern get from the suite they are registered in. */
export interface StorageSuite {
  readonly ctx: StorageSuiteContext;
  readonly options: DescribeStorageOptions;
  /** Opens a storage of a topic no other test used. */
  fresh(partition?: number): Promise<Storage>;
  readonly snapshots: boolean;
  readonly largeBytes: number;
  readonly manyKeys: number;
  readonly timeout: number;
}

export const utf8Order = (a: string, b: string): number => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
export const buf = (s: string): Buffer => Buffer.from(s, 'utf8');
export const keysOf = (entries: ReadonlyArray<[string, Buffer]>): string[] => entries.map(([k]) => k);

export async function collect(storage: Storage, options?: StorageIteratorOptions): Promise<Array<[string, Buffer]>> {
  const out: Array<[string, Buffer]> = [];
  for await (const entry of storage.iterator(options)) out.push(entry);
  return out;
}

/**
 * Registers `describe('storage conformance: <name>')` with the backend's setup and teardown and
 * the closing of every storage a test left open, and hands the concerns' tests their suite.
 */
export function describeStorageSuite(name: string, factory: StorageFactory, options: DescribeStorageOptions, register: (suite: StorageSuite) => void): void {
  const timeout = options.timeoutMs ?? 30_000;
  const run = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  let topics = 0;
  let live: Storage[] = [];

  const ctx: StorageSuiteContext = {
    newTopic: () => `conf-${run}-${++topics}`,
    async build(topic, partition = 0) {
      const storage = await factory.build(topic, partition);
      live.push(storage);
      return storage;
    },
    async open(topic, partition = 0) {
      const storage = await ctx.build(topic, partition);
      await storage.open();
      return storage;
    },
    collect,
  };
  const suite: StorageSuite = {
    ctx,
    options,
    fresh: (partition = 0) => ctx.open(ctx.newTopic(), partition),
    snapshots: options.snapshotIterators ?? true,
    largeBytes: options.largeValueBytes ?? 5 * 1024 * 1024,
    manyKeys: options.manyKeys ?? 20_000,
    timeout,
  };

  describe(`storage conformance: ${name}`, () => {
    if (factory.setup) beforeAll(factory.setup, timeout);
    afterEach(async () => {
      const open = live;
      live = [];
      // Closing is idempotent by contract, so tests may have closed some already.
      await Promise.all(open.map((s) => s.close()));
    }, timeout);
    if (factory.teardown) afterAll(factory.teardown, timeout);
    register(suite);
  });
}
