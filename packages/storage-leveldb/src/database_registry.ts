import { mkdir } from 'node:fs/promises';
import { Level } from 'level';
import { StorageError, StorageLockedError } from '@goka-ts/api';

/** The LevelDB handle storages share: string keys, Buffer values. */
export type Database = Level<string, Buffer>;

interface Entry {
  refs: number;
  /** Table partitions using the database, so one cannot be opened twice. */
  readonly claims: Set<string>;
  readonly ready: Promise<Database>;
}

const PATHS_HINT = 'two instances of a group (or a processor and a view of the same table) need different storage paths';

/**
 * Open LevelDB databases of this process by location, reference counted: storages of one database
 * share the handle, and the last release closes it. A table partition can hold a database only once,
 * so a second instance in the same process fails like one in another process (LevelDB's lock).
 */
export class DatabaseRegistry {
  private readonly entries = new Map<string, Entry>();
  private readonly closing = new Map<string, Promise<void>>();

  async acquire(location: string, openOptions: Record<string, unknown>, claim: string, what: string): Promise<Database> {
    let entry = this.entries.get(location);
    if (entry?.claims.has(claim)) {
      throw new StorageLockedError(`${what} is already open in this process at "${location}": ${PATHS_HINT}`);
    }
    if (!entry) {
      // A database still closing from its last release must finish before LevelDB can lock it again.
      const previous = this.closing.get(location) ?? Promise.resolve();
      entry = { refs: 0, claims: new Set(), ready: previous.then(() => openDatabase(location, openOptions)) };
      this.entries.set(location, entry);
    }
    entry.refs++;
    entry.claims.add(claim);
    try {
      return await entry.ready;
    } catch (err) {
      await this.release(location, claim);
      throw err;
    }
  }

  async release(location: string, claim: string): Promise<void> {
    const entry = this.entries.get(location);
    if (!entry || !entry.claims.delete(claim)) return;
    if (--entry.refs > 0) return;
    this.entries.delete(location);
    const closed = entry.ready.then((db) => db.close(), () => undefined);
    this.closing.set(location, closed);
    try {
      await closed;
    } finally {
      if (this.closing.get(location) === closed) this.closing.delete(location);
    }
  }
}

async function openDatabase(location: string, openOptions: Record<string, unknown>): Promise<Database> {
  try {
    await mkdir(location, { recursive: true });
  } catch (err) {
    throw new StorageError(`cannot create the LevelDB directory "${location}": ${(err as Error).message}`, { cause: err });
  }
  const db = new Level<string, Buffer>(location, { ...openOptions, keyEncoding: 'utf8', valueEncoding: 'buffer' });
  try {
    await db.open();
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    if ((err as { code?: string }).code === 'LEVEL_LOCKED' || cause?.code === 'LEVEL_LOCKED') {
      throw new StorageLockedError(`LevelDB at "${location}" is locked by another process or storage instance: ${PATHS_HINT}`, { cause: err });
    }
    throw new StorageError(`cannot open LevelDB at "${location}": ${cause?.message ?? (err as Error).message}`, { cause: err });
  }
  return db;
}

/** The registry of this process. */
export const databases = new DatabaseRegistry();
