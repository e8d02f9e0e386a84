import type { Admin } from '@goka-ts/api';
import { followersOf, recoverFollowers, type PartitionTables, type TableFollower } from './table_follower';

/**
 * Table partitions this instance holds without owning them: recovered ahead of joining the group
 * (`recoverAhead`) and/or kept following (`hotStandby`), so taking a partition over only needs the
 * records written since.
 */
export class StandbyTables {
  private readonly sets = new Map<number, PartitionTables>();

  constructor(private readonly create: (partition: number) => PartitionTables) {}

  get partitions(): number[] {
    return [...this.sets.keys()];
  }

  /**
   * Opens and recovers the tables of `partitions` (creating sets not held yet), then keeps them
   * following when `follow`. Resolves early when `signal` aborts.
   */
  async prepare(partitions: readonly number[], follow: boolean, signal: AbortSignal, admin?: Admin): Promise<void> {
    const followers: TableFollower[] = [];
    for (const partition of partitions) {
      let set = this.sets.get(partition);
      if (!set) this.sets.set(partition, (set = this.create(partition)));
      for (const f of followersOf(set)) if (!f.isFollowing) followers.push(f);
    }
    if (!(await recoverFollowers(followers, signal, admin))) return;
    if (follow) for (const f of followers) f.follow();
  }

  /** Hands out the tables of a partition (still following: the caller stops them). */
  take(partition: number): PartitionTables | undefined {
    const set = this.sets.get(partition);
    this.sets.delete(partition);
    return set;
  }

  /**
   * Takes back the tables of a partition this instance no longer owns; `follow` keeps them up to
   * date (hot standby), otherwise they stay as they are until taken again or closed.
   */
  async give(partition: number, set: PartitionTables, follow: boolean): Promise<void> {
    this.sets.set(partition, set);
    if (follow) for (const follower of followersOf(set)) follower.follow();
    else await Promise.all(followersOf(set).map((f) => f.stopFollowing()));
  }

  /** Closes the tables of every partition not in `keep`. */
  async closeExcept(keep: ReadonlySet<number>): Promise<void> {
    const closing = [...this.sets.keys()].filter((p) => !keep.has(p));
    await Promise.all(closing.map((p) => this.closePartition(p)));
  }

  async closeAll(): Promise<void> {
    await this.closeExcept(new Set());
  }

  private async closePartition(partition: number): Promise<void> {
    const set = this.sets.get(partition);
    this.sets.delete(partition);
    if (set) await Promise.all(followersOf(set).map((f) => f.close()));
  }
}
