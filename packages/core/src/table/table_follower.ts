import type { Admin } from '@goka-ts/api';
import type { PartitionTable } from './partition_table';
import { recoverTables } from './table_reader';

/**
 * A table partition that can be switched between following (applying new records as they arrive:
 * joined tables, hot standby) and idle (recovered once; the processor writes it itself).
 */
export class TableFollower {
  private following: Promise<void> | undefined;

  constructor(
    readonly table: PartitionTable,
    private readonly onError: (error: unknown, table: PartitionTable) => void,
  ) {}

  get isFollowing(): boolean {
    return this.following !== undefined;
  }

  /** Starts following in the background; errors go to `onError`. */
  follow(): void {
    if (this.following) return;
    this.following = this.table.follow().catch((error) => this.onError(error, this.table));
  }

  /** Stops following and waits for the reader to end. */
  async stopFollowing(): Promise<void> {
    const running = this.following;
    if (!running) return;
    await this.table.stop();
    await running;
    if (this.following === running) this.following = undefined;
  }

  /** Stops following and closes the storage. */
  async close(): Promise<void> {
    await this.stopFollowing();
    await this.table.close();
  }
}

/** The table partitions of one partition number: the group table and the joined tables. */
export interface PartitionTables {
  readonly table: TableFollower | undefined;
  readonly joined: ReadonlyMap<string, TableFollower>;
}

/** Every follower of a set, group table first. */
export function followersOf(tables: PartitionTables): TableFollower[] {
  return tables.table ? [tables.table, ...tables.joined.values()] : [...tables.joined.values()];
}

/**
 * Opens the tables of `followers` (which must not be following) and recovers them, with one reader
 * per topic. Resolves `false` when `signal` aborted the recovery.
 */
export async function recoverFollowers(followers: readonly TableFollower[], signal: AbortSignal, admin?: Admin): Promise<boolean> {
  await Promise.all(followers.map((f) => f.table.open()));
  const byTopic = new Map<string, PartitionTable[]>();
  for (const f of followers) {
    const list = byTopic.get(f.table.topic);
    if (list) list.push(f.table);
    else byTopic.set(f.table.topic, [f.table]);
  }
  const results = await Promise.all([...byTopic.values()].map((tables) => recoverTables(tables, { signal, admin })));
  return results.every(Boolean) && !signal.aborted;
}
