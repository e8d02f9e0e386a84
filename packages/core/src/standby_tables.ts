import { followersOf, type PartitionTables } from './table_follower';

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
  async prepare(partitions: readonly number[], follow: boolean, signal: AbortSignal): Promise<void> {
    await forEachLimited(partitions, 8, async (partition) => {
      let set = this.sets.get(partition);
      if (!set) this.sets.set(partition, (set = this.create(partition)));
      for (const follower of followersOf(set)) {
        if (signal.aborted) return;
        await follower.table.open();
        if (!follower.isFollowing && !(await follower.table.recover(signal))) return;
        if (follow) follower.follow();
      }
    });
  }

  /** Hands out the tables of a partition (still following: the caller stops them). */
  take(partition: number): PartitionTables | undefined {
    const set = this.sets.get(partition);
    this.sets.delete(partition);
    return set;
  }

  /** Takes back the tables of a partition this instance no longer owns and keeps them following. */
  give(partition: number, set: PartitionTables): void {
    this.sets.set(partition, set);
    for (const follower of followersOf(set)) follower.follow();
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

/** Runs `fn` over `items` with at most `limit` running at once; rejects with the first error after all settled. */
export async function forEachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++];
      try {
        await fn(item);
      } catch (error) {
        if (!failure) failure = { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw failure.error;
}
