/**
 * Storage benchmark: get/set and batch-write rates of every backend (memory, LevelDB, Redis, LRU over
 * LevelDB), and a recovery-like load of many keys into LevelDB in batches with wall time and peak RSS.
 *
 * Runs from `pnpm bench storage` or alone: `node bench/dist/storage.js` (REDIS_URL needed for Redis).
 * Settings: BENCH_STORAGE_OPS (operations per measurement, default 50 000), BENCH_STORAGE_KEYS
 * (distinct keys, default 10 000), BENCH_STORAGE_VALUE_BYTES (default 100), BENCH_STORAGE_RECOVERY_KEYS
 * (default 1 000 000), BENCH_STORAGE_BATCH (writes per batch, default 10 000).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import net from 'node:net';
import type { Storage, StorageBatchOp, StorageBuilder } from '@goka-ts/api';
import { leveldbStorage } from '@goka-ts/storage-leveldb';
import { LruStorage, lruStorage } from '@goka-ts/storage-lru';
import { memoryStorage } from '@goka-ts/storage-memory';
import { redisStorage } from '@goka-ts/storage-redis';
import { NO_TARGET } from './report';

function setting(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw.replace(/_/g, ''));
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  return value;
}

interface Row {
  readonly backend: string;
  readonly operation: string;
  readonly ops: number;
  readonly ms: number;
  readonly note?: string;
}

const REDIS_TOPIC = 'bench-redis';
const RSS_TARGET_BYTES = 300 * 1024 * 1024;
const CONCURRENCY = 64;

function keyOf(i: number): string {
  return `key-${String(i).padStart(8, '0')}`;
}

/** A fixed pseudo-random sequence of key indexes, so every backend reads the same keys. */
function keySequence(n: number, keys: number): Uint32Array {
  const out = new Uint32Array(n);
  let seed = 12345;
  for (let i = 0; i < n; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    out[i] = seed % keys;
  }
  return out;
}

async function timed(fn: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

/** Get/set/batch rates of one backend. */
async function measureBackend(backend: string, build: StorageBuilder, topic: string, settings: { ops: number; keys: number; value: Buffer; batch: number }): Promise<Row[]> {
  const storage = await build(topic, 0);
  await storage.open();
  const rows: Row[] = [];
  const { ops, keys, value } = settings;
  const sequence = keySequence(ops, keys);
  try {
    // Fill the key space first, so reads hit existing keys.
    for (let i = 0; i < keys; i += 1000) {
      const chunk: StorageBatchOp[] = [];
      for (let k = i; k < Math.min(keys, i + 1000); k++) chunk.push({ type: 'put', key: keyOf(k), value });
      await storage.writeBatch(chunk);
    }

    rows.push({ backend, operation: 'set (one at a time)', ops, ms: await timed(async () => {
      for (let i = 0; i < ops; i++) await storage.set(keyOf(sequence[i]), value);
    }) });

    rows.push({ backend, operation: 'get (one at a time)', ops, ms: await timed(async () => {
      for (let i = 0; i < ops; i++) await storage.get(keyOf(sequence[i]));
    }), note: cacheNote(storage) });

    rows.push({ backend, operation: `get (${CONCURRENCY} in flight)`, ops, ms: await timed(async () => {
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < ops) await storage.get(keyOf(sequence[next++]));
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    }) });

    const batches = Math.max(1, Math.floor(ops / settings.batch));
    const batchOps: StorageBatchOp[][] = [];
    for (let b = 0; b < batches; b++) {
      const chunk: StorageBatchOp[] = new Array(settings.batch);
      for (let i = 0; i < settings.batch; i++) chunk[i] = { type: 'put', key: keyOf(sequence[(b * settings.batch + i) % ops]), value };
      batchOps.push(chunk);
    }
    rows.push({ backend, operation: `writeBatch (${settings.batch} puts + offset)`, ops: batches * settings.batch, ms: await timed(async () => {
      for (let b = 0; b < batches; b++) await storage.writeBatch(batchOps[b], b);
    }) });

    let seen = 0;
    rows.push({ backend, operation: 'iterate all keys', ops: keys, ms: await timed(async () => {
      for await (const entry of storage.iterator()) if (entry) seen++;
    }) });
    if (seen !== keys) throw new Error(`${backend}: iterated ${seen} keys, expected ${keys}`);
  } finally {
    await storage.close();
  }
  return rows;
}

function cacheNote(storage: Storage): string | undefined {
  if (!(storage instanceof LruStorage)) return undefined;
  const { hits, misses } = storage.cacheStats();
  return `cache hit rate ${((100 * hits) / Math.max(1, hits + misses)).toFixed(1)}%`;
}

interface RecoveryResult {
  readonly keys: number;
  readonly ms: number;
  readonly peakRss: number;
  readonly startRss: number;
}

/**
 * A recovery-like load: `total` distinct keys written in batches of `batch` with the offset, as a
 * table recovery does, building each batch just before writing it (as records arrive).
 */
async function measureRecovery(dir: string, total: number, batch: number, value: Buffer): Promise<RecoveryResult> {
  const storage = await leveldbStorage({ path: dir, writeBufferSize: 16 << 20 })('recovery', 0);
  await storage.open();
  let peakRss = process.memoryUsage.rss();
  const startRss = peakRss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, 20);
  try {
    const ms = await timed(async () => {
      const ops: StorageBatchOp[] = new Array(batch);
      for (let start = 0; start < total; start += batch) {
        const n = Math.min(batch, total - start);
        ops.length = n;
        for (let i = 0; i < n; i++) ops[i] = { type: 'put', key: keyOf(start + i), value };
        await storage.writeBatch(ops, start + n - 1);
        peakRss = Math.max(peakRss, process.memoryUsage.rss());
      }
      await storage.markRecovered();
    });
    const offset = await storage.getOffset(-1);
    if (offset !== total - 1) throw new Error(`recovery: stored offset ${offset}, expected ${total - 1}`);
    return { keys: total, ms, peakRss, startRss };
  } finally {
    clearInterval(sampler);
    await storage.close();
  }
}

const num = (v: number): string => Math.round(v).toLocaleString('en-US');
const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

function table(header: string[], rows: string[][], rightAligned: number[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => (rightAligned.includes(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

/**
 * Deletes the keys the Redis storage of `topic` partition 0 made under `prefix` (its documented
 * layout), over a plain socket: the bench package does not depend on a Redis client of its own.
 */
async function deleteRedisPartition(url: string, prefix: string, topic: string): Promise<void> {
  const { hostname, port } = new URL(url);
  const ns = `${prefix}:{${topic}:0}`;
  const args = ['UNLINK', `${ns}:keys`, `${ns}:values`, `${ns}:offset`];
  const command = `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
  await new Promise<void>((resolve, reject) => {
    const socket = net.connect(Number(port || 6379), hostname || '127.0.0.1', () => socket.write(command));
    socket.setTimeout(5000, () => socket.destroy(new Error('no reply from Redis while cleaning up')));
    socket.once('data', (reply) => {
      socket.end();
      if (reply[0] === 0x2d) reject(new Error(`cleaning up Redis failed: ${reply.toString().trim()}`));
      else resolve();
    });
    socket.once('error', reject);
  });
}

/** Runs the storage benchmark and prints its tables. */
export async function run(): Promise<void> {
  const redisUrl = process.env.REDIS_URL;
  if (!redisUrl) throw new Error('REDIS_URL is not set: run `pnpm bench storage` (it starts Redis), or set REDIS_URL=redis://127.0.0.1:6379');
  const settings = {
    ops: setting('BENCH_STORAGE_OPS', 50_000),
    keys: setting('BENCH_STORAGE_KEYS', 10_000),
    value: Buffer.alloc(setting('BENCH_STORAGE_VALUE_BYTES', 100), 'v'),
    batch: 1000,
  };
  const recoveryKeys = setting('BENCH_STORAGE_RECOVERY_KEYS', 1_000_000);
  const recoveryBatch = setting('BENCH_STORAGE_BATCH', 10_000);
  const dir = mkdtempSync(path.join(tmpdir(), 'goka-bench-storage-'));
  const prefix = `goka-bench-${Date.now().toString(36)}`;
  console.log(`storage: ${num(settings.ops)} operations over ${num(settings.keys)} keys, ${settings.value.length}-byte values; recovery of ${num(recoveryKeys)} keys in batches of ${num(recoveryBatch)}`);

  try {
    // Recovery first, so its peak RSS is not inflated by the heap of the other measurements.
    const recovery = await measureRecovery(path.join(dir, 'recovery'), recoveryKeys, recoveryBatch, settings.value);

    const backends: Array<[string, StorageBuilder, string]> = [
      ['memory', memoryStorage(), 'bench-memory'],
      ['leveldb', leveldbStorage({ path: path.join(dir, 'ops') }), 'bench-leveldb'],
      ['redis', redisStorage({ url: redisUrl, prefix }), REDIS_TOPIC],
      ['lru over leveldb', lruStorage(leveldbStorage({ path: path.join(dir, 'lru') }), { maxEntries: settings.keys, maxBytes: 64 << 20 }), 'bench-lru'],
    ];
    const rows: Row[] = [];
    for (const [name, build, topic] of backends) rows.push(...(await measureBackend(name, build, topic, settings)));

    console.log('\n' + table(
      ['backend', 'operation', 'ops/s', 'µs/op', 'note', 'target', 'met'],
      rows.map((r) => [r.backend, r.operation, num(r.ops / (r.ms / 1000)), ((r.ms * 1000) / r.ops).toFixed(1), r.note ?? '', NO_TARGET.target, NO_TARGET.met]),
      [2, 3],
    ));
    console.log('\n' + table(
      ['recovery into leveldb', 'keys', 'wall time', 'keys/s', 'peak RSS', 'RSS before', 'target', 'met'],
      [[`writeBatch x ${num(recoveryBatch)}`, num(recovery.keys), `${(recovery.ms / 1000).toFixed(2)} s`, num(recovery.keys / (recovery.ms / 1000)),
        mib(recovery.peakRss), mib(recovery.startRss), `< ${mib(RSS_TARGET_BYTES)}`, recovery.peakRss < RSS_TARGET_BYTES ? 'yes' : 'NO']],
      [1, 2, 3, 4, 5],
    ));
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await deleteRedisPartition(redisUrl, prefix, REDIS_TOPIC);
  }
}

if (require.main === module) {
  run().then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
