/** A member as the group leader sees it. */
export interface CopartitionMember {
  readonly memberId: string;
  /** Partitions the member held before this rebalance (kept where balance allows, so tables stay local). */
  readonly previous: readonly number[];
}

const byId = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Go Goka's "copartition" plan: the partition numbers each member gets of every topic of the group.
 *
 * Balanced (member loads differ by at most one), every partition given exactly once, deterministic
 * (a function of member ids, previous partitions and the count only, never of member order), and
 * sticky: a member keeps as many of its previous partitions as its share allows, and the larger
 * shares go to the members that held the most, so rebalances move as few tables as possible.
 * Every goka-ts adapter that speaks "copartition" plans with this function, so a mixed group gets
 * the same assignment whichever member leads.
 *
 * Previous partitions out of range, not integers, or already claimed by a member with a smaller id
 * are ignored. Returns member id to ascending partitions; members beyond the count get none.
 */
export function planCopartitioned(members: readonly CopartitionMember[], partitionCount: number): Map<string, number[]> {
  const sorted = [...members].sort((a, b) => byId(a.memberId, b.memberId));
  const plan = new Map<string, number[]>();
  if (sorted.length === 0) return plan;
  const claimed = new Set<number>();
  const held = new Map<string, number[]>();
  for (const m of sorted) {
    const own = [...new Set(m.previous)]
      .filter((p) => Number.isInteger(p) && p >= 0 && p < partitionCount && !claimed.has(p))
      .sort((a, b) => a - b);
    own.forEach((p) => claimed.add(p));
    held.set(m.memberId, own);
  }
  const base = Math.floor(partitionCount / sorted.length);
  const larger = partitionCount % sorted.length;
  // The larger shares go to the members that held the most, so fewer partitions move.
  const byHeld = [...sorted].sort((a, b) => held.get(b.memberId)!.length - held.get(a.memberId)!.length || byId(a.memberId, b.memberId));
  const share = new Map(byHeld.map((m, i) => [m.memberId, base + (i < larger ? 1 : 0)] as const));
  const kept = new Set<number>();
  for (const m of sorted) {
    const keep = held.get(m.memberId)!.slice(0, share.get(m.memberId));
    keep.forEach((p) => kept.add(p));
    plan.set(m.memberId, keep);
  }
  let next = 0;
  const free: number[] = [];
  for (let p = 0; p < partitionCount; p++) if (!kept.has(p)) free.push(p);
  for (const m of sorted) {
    const own = plan.get(m.memberId)!;
    while (own.length < share.get(m.memberId)! && next < free.length) own.push(free[next++]!);
    own.sort((a, b) => a - b);
  }
  return plan;
}
