import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Level } from 'level';
import { StorageError, StorageLockedError } from '@goka-ts/api';
import type { Storage } from '@goka-ts/api';
import { SHARED_DATABASE_DIR, leveldbStorage } from '../src';

const buf = (s: string): Buffer => Buffer.from(s);
let dir: string;
const opened: Storage[] = [];

async function open(storage: Storage | Promise<Storage>): Promise<Storage> {
  const s = await storage;
  opened.push(s);
  await s.open();
  return s;
}

async function expectLocked(attempt: Promise<unknown>): Promise<void> {
  const start = Date.now();
  const err = await attempt.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(StorageLockedError);
  expect((err as Error).message).toMatch(/different storage paths/);
  expect(Date.now() - start).toBeLessThan(2000);
}

/** Starts a process that holds `location` open with level until killed; resolves when it holds it. */
function holdInOtherProcess(location: string): Promise<ChildProcess> {
  const script = `
    const { Level } = require('level');
    const db = new Level(process.argv[1]);
    db.open().then(() => process.stdout.write('ready\\n'), (e) => { process.stdout.write('failed ' + e.message + '\\n'); process.exit(1); });
    setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['-e', script, location], { cwd: __dirname, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout!.once('data', (d: Buffer) => (d.toString().startsWith('ready') ? resolve(child) : reject(new Error(d.toString()))));
    child.once('error', reject);
  });
}

/** Runs a process that tries to open `location` with level and reports LevelDB's error code. */
function tryOpenInOtherProcess(location: string): Promise<string> {
  const script = `
    const { Level } = require('level');
    new Level(process.argv[1]).open().then(() => console.log('opened'), (e) => console.log((e.cause && e.cause.code) || e.code));`;
  const child = spawn(process.execPath, ['-e', script, location], { cwd: __dirname, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) => {
    child.once('exit', () => resolve(out.trim()));
    child.once('error', reject);
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'goka-leveldb-'));
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

describe('locking', () => {
  for (const sharedDatabase of [false, true]) {
    it(`fails at once when a second instance in this process opens the same partition (shared: ${sharedDatabase})`, async () => {
      await open(leveldbStorage({ path: dir, sharedDatabase })('t', 0));
      await expectLocked(open(leveldbStorage({ path: dir, sharedDatabase })('t', 0)));
      await expectLocked(open(leveldbStorage({ path: dir, sharedDatabase })('t', 0)));
    });
  }

  it('fails at once when another process holds the database', async () => {
    const child = await holdInOtherProcess(path.join(dir, 't.3'));
    try {
      await expectLocked(open(leveldbStorage({ path: dir })('t', 3)));
      // Other partitions are other databases.
      await open(leveldbStorage({ path: dir })('t', 4));
    } finally {
      await stop(child);
    }
    const s = await open(leveldbStorage({ path: dir })('t', 3));
    await s.set('k', buf('v'));
  });

  it('fails at once when another process holds the shared database', async () => {
    const child = await holdInOtherProcess(path.join(dir, SHARED_DATABASE_DIR));
    try {
      await expectLocked(open(leveldbStorage({ path: dir, sharedDatabase: true })('t', 0)));
    } finally {
      await stop(child);
    }
  });

  it('keeps another process out while open, and lets it in after close', async () => {
    const s = await open(leveldbStorage({ path: dir })('t', 1));
    expect(await tryOpenInOtherProcess(path.join(dir, 't.1'))).toBe('LEVEL_LOCKED');
    await s.close();
    expect(await tryOpenInOtherProcess(path.join(dir, 't.1'))).toBe('opened');
  });
});

describe('shared database', () => {
  it('holds all partitions in one database, closed with the last partition', async () => {
    const build = leveldbStorage({ path: dir, sharedDatabase: true, cacheSize: 1 << 20 });
    const p0 = await open(build('orders-table', 0));
    const p1 = await open(build('orders-table', 1));
    const other = await open(build('users-table', 0));
    await p0.writeBatch([{ type: 'put', key: 'a', value: buf('0') }], 10);
    await p1.writeBatch([{ type: 'put', key: 'a', value: buf('1') }], 11);
    await other.set('a', buf('u'));
    expect(readdirSync(dir)).toEqual([SHARED_DATABASE_DIR]);

    await p0.close();
    expect(await p1.get('a')).toEqual(buf('1'));
    await other.close();
    expect(await p1.getOffset(-1)).toBe(11);
    // Still open through p1: another process is locked out.
    expect(await tryOpenInOtherProcess(path.join(dir, SHARED_DATABASE_DIR))).toBe('LEVEL_LOCKED');
    await p1.close();
    // The last close released the database.
    const raw = new Level(path.join(dir, SHARED_DATABASE_DIR));
    await raw.open();
    await raw.close();

    const again = await open(build('orders-table', 0));
    expect(await again.get('a')).toEqual(buf('0'));
    expect(await again.getOffset(-1)).toBe(10);
  });

  it('reopens while the last close is still running', async () => {
    const build = leveldbStorage({ path: dir, sharedDatabase: true });
    const a = await open(build('t', 0));
    await a.set('k', buf('v'));
    const closing = a.close();
    const b = await open(build('t', 0));
    await closing;
    expect(await b.get('k')).toEqual(buf('v'));
  });
});

describe('storage', () => {
  it('creates one database per partition at <path>/<topic>.<partition>', async () => {
    const build = leveldbStorage({ path: path.join(dir, 'nested', 'dir') });
    await open(build('clicks-table', 0));
    await open(build('clicks-table', 7));
    expect(readdirSync(path.join(dir, 'nested', 'dir')).sort()).toEqual(['clicks-table.0', 'clicks-table.7']);
  });

  it('passes LevelDB options through', async () => {
    const s = await open(leveldbStorage({
      path: dir, cacheSize: 2 << 20, writeBufferSize: 1 << 20, blockSize: 8192, compression: false, maxOpenFiles: 50, maxFileSize: 1 << 20, sync: true,
    })('t', 0));
    const value = Buffer.alloc(1000, 'x');
    await s.writeBatch(Array.from({ length: 3000 }, (_, i) => ({ type: 'put' as const, key: `k${i}`, value })), 1);
    await s.set('a', buf('b'));
    expect(await s.get('k2999')).toEqual(value);
    expect(existsSync(path.join(dir, 't.0', 'CURRENT'))).toBe(true);
  });

  it('applies nothing of a batch that fails, not even its offset', async () => {
    const s = await open(leveldbStorage({ path: dir })('t', 0));
    await s.setOffset(4);
    const bad = [
      { type: 'put' as const, key: 'a', value: buf('1') },
      { type: 'put' as const, key: 'b', value: undefined as unknown as Buffer },
    ];
    await expect(s.writeBatch(bad, 5)).rejects.toBeInstanceOf(StorageError);
    expect(await s.has('a')).toBe(false);
    expect(await s.getOffset(-1)).toBe(4);
  });

  it('rejects names that are no topic', async () => {
    for (const topic of ['', '..', 'a/b', 'a\0b']) {
      expect(() => leveldbStorage({ path: dir })(topic, 0)).toThrow(StorageError);
    }
    expect(() => leveldbStorage({ path: '' })('t', 0)).toThrow(/path/);
  });

  it('rejects use before open', async () => {
    const s = await leveldbStorage({ path: dir })('t', 0);
    await expect(s.get('k')).rejects.toThrow(/not open/);
    await s.close();
  });
});
