import { planCopartitioned, type CopartitionMember } from '../src';

const fresh = (...ids: string[]): CopartitionMember[] => ids.map((memberId) => ({ memberId, previous: [] }));

function expectValid(plan: Map<string, number[]>, members: readonly CopartitionMember[], partitionCount: number): void {
  expect([...plan.keys()].sort()).toEqual(members.map((m) => m.memberId).sort());
  const all = [...plan.values()].flat().sort((a, b) => a - b);
  expect(all).toEqual(Array.from({ length: partitionCount }, (_, i) => i)); // every partition exactly once
  const sizes = [...plan.values()].map((p) => p.length);
  expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1); // balanced
  for (const p of plan.values()) expect(p).toEqual([...p].sort((a, b) => a - b));
}

describe('planCopartitioned', () => {
  it('splits partitions evenly, deterministically, whatever the member order', () => {
    for (const [count, n] of [[1, 1], [4, 2], [8, 3], [10, 3], [3, 5], [12, 4], [7, 7]] as const) {
      const ids = Array.from({ length: n }, (_, i) => `member-${i}`);
      const plan = planCopartitioned(fresh(...ids), count);
      expectValid(plan, fresh(...ids), count);
      expect(planCopartitioned(fresh(...[...ids].reverse()), count)).toEqual(plan);
    }
  });

  it('plans nothing for no members, and nothing to members beyond the partition count', () => {
    expect(planCopartitioned([], 4).size).toBe(0);
    const plan = planCopartitioned(fresh('a', 'b', 'c'), 2);
    expectValid(plan, fresh('a', 'b', 'c'), 2);
    expect([...plan.values()].filter((p) => p.length === 0)).toHaveLength(1);
  });

  it('keeps previous partitions where the share allows', () => {
    // a held everything; b joins: a keeps half of what it had, b gets the rest.
    const plan = planCopartitioned([{ memberId: 'b', previous: [] }, { memberId: 'a', previous: [0, 1, 2, 3, 4, 5] }], 6);
    expect(plan.get('a')).toEqual([0, 1, 2]);
    expect(plan.get('b')).toEqual([3, 4, 5]);
    // c joins later: a and b each give up one partition and keep the rest.
    const next = planCopartitioned([{ memberId: 'a', previous: [0, 1, 2] }, { memberId: 'b', previous: [3, 4, 5] }, { memberId: 'c', previous: [] }], 6);
    expect(next.get('a')).toEqual([0, 1]);
    expect(next.get('b')).toEqual([3, 4]);
    expect(next.get('c')).toEqual([2, 5]);
  });

  it('ignores previous claims that are duplicated, claimed twice, out of range or not integers', () => {
    const plan = planCopartitioned([{ memberId: 'a', previous: [0, 1, 1, 9, 0.5] }, { memberId: 'b', previous: [1, 2, -1, Number.NaN] }], 4);
    expect(plan.get('a')).toEqual([0, 1]);
    expect(plan.get('b')).toEqual([2, 3]);
  });

  it('gives the larger shares to the members that held more', () => {
    const plan = planCopartitioned([{ memberId: 'a', previous: [0] }, { memberId: 'b', previous: [1, 2, 3, 4] }], 5);
    expect(plan.get('b')).toEqual([1, 2, 3]);
    expect(plan.get('a')).toEqual([0, 4]);
  });
});

/** mulberry32: a seeded generator, so a failing case reproduces from its seed. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffled<T>(items: readonly T[], rnd: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** A random group: some members fresh, some holding (overlapping, duplicated, invalid) partitions. */
function randomGroup(rnd: () => number): { members: CopartitionMember[]; partitionCount: number } {
  const partitionCount = Math.floor(rnd() * 25);
  const n = 1 + Math.floor(rnd() * 7);
  const ids = new Set<string>();
  while (ids.size < n) ids.add(`m-${Math.floor(rnd() * 1000).toString(36)}`);
  const members = [...ids].map((memberId) => {
    const previous: number[] = [];
    const held = rnd() < 0.3 ? 0 : Math.floor(rnd() * (partitionCount + 3));
    for (let i = 0; i < held; i++) {
      const r = rnd();
      previous.push(r < 0.05 ? -1 : r < 0.1 ? partitionCount + 2 : r < 0.12 ? 1.5 : Math.floor(rnd() * Math.max(partitionCount, 1)));
    }
    return { memberId, previous };
  });
  return { members, partitionCount };
}

/** What each member can keep: its valid previous partitions not claimed by a member with a smaller id. */
function claims(members: readonly CopartitionMember[], partitionCount: number): Map<string, Set<number>> {
  const claimed = new Set<number>();
  const out = new Map<string, Set<number>>();
  for (const m of [...members].sort((a, b) => (a.memberId < b.memberId ? -1 : 1))) {
    const own = new Set(m.previous.filter((p) => Number.isInteger(p) && p >= 0 && p < partitionCount && !claimed.has(p)));
    own.forEach((p) => claimed.add(p));
    out.set(m.memberId, own);
  }
  return out;
}

/** The most partitions any balanced plan can leave in place: tries every way to hand out the larger shares. */
function bestKept(held: readonly number[], partitionCount: number): number {
  const n = held.length;
  const base = Math.floor(partitionCount / n);
  const larger = partitionCount % n;
  let best = 0;
  for (let mask = 0; mask < 1 << n; mask++) {
    let bits = 0;
    for (let i = 0; i < n; i++) if (mask & (1 << i)) bits++;
    if (bits !== larger) continue;
    let kept = 0;
    for (let i = 0; i < n; i++) kept += Math.min(held[i]!, base + (mask & (1 << i) ? 1 : 0));
    best = Math.max(best, kept);
  }
  return best;
}

describe('planCopartitioned properties (500 seeded random groups)', () => {
  const seeds = Array.from({ length: 500 }, (_, i) => i + 1);

  it('is balanced and gives every partition exactly once', () => {
    for (const seed of seeds) {
      const { members, partitionCount } = randomGroup(random(seed));
      expectValid(planCopartitioned(members, partitionCount), members, partitionCount);
    }
  });

  it('is deterministic: member order and the order of previous partitions do not matter', () => {
    for (const seed of seeds) {
      const rnd = random(seed);
      const { members, partitionCount } = randomGroup(rnd);
      const plan = planCopartitioned(members, partitionCount);
      const reordered = shuffled(members, rnd).map((m) => ({ memberId: m.memberId, previous: shuffled(m.previous, rnd) }));
      expect(planCopartitioned(reordered, partitionCount)).toEqual(plan);
    }
  });

  it('is sticky: each member keeps its claims up to its share, and no balanced plan keeps more', () => {
    for (const seed of seeds) {
      const { members, partitionCount } = randomGroup(random(seed));
      const plan = planCopartitioned(members, partitionCount);
      const held = claims(members, partitionCount);
      let kept = 0;
      for (const [id, own] of held) {
        const got = plan.get(id)!;
        const keeps = got.filter((p) => own.has(p)).length;
        expect(keeps).toBe(Math.min(own.size, got.length));
        kept += keeps;
      }
      expect(kept).toBe(bestKept([...held.values()].map((s) => s.size), partitionCount));
    }
  });

  it('changes nothing when the group is unchanged, and moves only what a join or leave must', () => {
    for (const seed of seeds) {
      const rnd = random(seed);
      const { members, partitionCount } = randomGroup(rnd);
      const plan = planCopartitioned(members, partitionCount);
      const settled = [...plan].map(([memberId, previous]) => ({ memberId, previous }));
      expect(planCopartitioned(settled, partitionCount)).toEqual(plan);
      // One member leaves: the others keep everything they had and share out only its partitions.
      if (settled.length > 1) {
        const leaving = settled[Math.floor(rnd() * settled.length)]!;
        const rest = settled.filter((m) => m !== leaving);
        const after = planCopartitioned(rest, partitionCount);
        for (const m of rest) expect(after.get(m.memberId)!.filter((p) => m.previous.includes(p))).toEqual(m.previous);
      }
    }
  });
});
