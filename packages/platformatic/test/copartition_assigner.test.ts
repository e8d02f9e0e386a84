import { decodePrevious, encodePrevious, planCopartitioned } from '../src/copartition_assigner';

describe('planCopartitioned', () => {
  it('balances, covers every partition once and is deterministic', () => {
    const members = new Map([['c', []], ['a', []], ['b', []]] as Array<[string, number[]]>);
    const plan = planCopartitioned(members, 8);
    expect([...plan.values()].flat().sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect([...plan.values()].map((p) => p.length).sort()).toEqual([2, 3, 3]);
    expect(planCopartitioned(new Map([...members].reverse()), 8)).toEqual(plan);
  });

  it('keeps what members held as far as their share allows', () => {
    const plan = planCopartitioned(new Map([['a', [0, 1, 2, 3]], ['b', []]]), 4);
    expect(plan.get('a')!.every((p) => [0, 1, 2, 3].includes(p))).toBe(true);
    expect(plan.get('a')).toHaveLength(2);
    expect(plan.get('b')).toHaveLength(2);
    const kept = planCopartitioned(new Map([['a', [1, 3]], ['b', [0, 2]], ['c', []]]), 6);
    expect(kept.get('a')!.filter((p) => [1, 3].includes(p))).toHaveLength(2);
    expect(kept.get('b')!.filter((p) => [0, 2].includes(p))).toHaveLength(2);
    expect(kept.get('c')!.sort()).toEqual([4, 5]);
  });

  it("ignores partitions claimed twice or out of range, and other clients' user data", () => {
    const plan = planCopartitioned(new Map([['a', [0, 9]], ['b', [0]]]), 2);
    expect([...plan.values()].flat().sort()).toEqual([0, 1]);
    expect(decodePrevious(encodePrevious([3, 1]))).toEqual([3, 1]);
    expect(decodePrevious(Buffer.from([0, 1, 2]))).toEqual([]);
    expect(decodePrevious(null)).toEqual([]);
  });
});
