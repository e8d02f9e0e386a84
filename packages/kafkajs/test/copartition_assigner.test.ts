import { TopicMismatchError } from '@goka-ts/api';
import { AssignerProtocol } from 'kafkajs';
import { assignCopartitioned, commonPartitionCount, copartitionAssigner } from '../src/copartition_assigner';

const members = (...ids: string[]) => ids.map((memberId) => ({ memberId, previous: [] as number[] }));

function check(plan: Map<string, number[]>, partitionCount: number): void {
  const all = [...plan.values()].flat().sort((a, b) => a - b);
  expect(all).toEqual(Array.from({ length: partitionCount }, (_, i) => i)); // complete and disjoint
  const sizes = [...plan.values()].map((p) => p.length);
  expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1); // balanced
}

describe('assignCopartitioned', () => {
  it('splits partitions evenly, deterministically, whatever the member order', () => {
    for (const [count, n] of [[1, 1], [4, 2], [10, 3], [3, 5], [12, 4], [7, 7]] as const) {
      const ids = Array.from({ length: n }, (_, i) => `member-${i}`);
      const plan = assignCopartitioned(members(...ids), count);
      check(plan, count);
      expect(assignCopartitioned(members(...[...ids].reverse()), count)).toEqual(plan);
    }
  });

  it('gives nothing to members beyond the partition count', () => {
    const plan = assignCopartitioned(members('a', 'b', 'c'), 2);
    check(plan, 2);
    expect([...plan.values()].filter((p) => p.length === 0)).toHaveLength(1);
  });

  it('keeps previous partitions where the share allows', () => {
    // a held everything; b joins: a keeps half of what it had, b gets the rest.
    const plan = assignCopartitioned([{ memberId: 'b', previous: [] }, { memberId: 'a', previous: [0, 1, 2, 3, 4, 5] }], 6);
    check(plan, 6);
    expect(plan.get('a')).toEqual([0, 1, 2]);
    expect(plan.get('b')).toEqual([3, 4, 5]);
    // c joins later: a and b each give up one partition and keep the rest.
    const next = assignCopartitioned([{ memberId: 'a', previous: [0, 1, 2] }, { memberId: 'b', previous: [3, 4, 5] }, { memberId: 'c', previous: [] }], 6);
    check(next, 6);
    expect(next.get('a')).toEqual([0, 1]);
    expect(next.get('b')).toEqual([3, 4]);
    expect(next.get('c')).toEqual([2, 5]);
  });

  it('ignores previous claims that are duplicated or out of range', () => {
    const plan = assignCopartitioned([{ memberId: 'a', previous: [0, 1, 9] }, { memberId: 'b', previous: [1, 2, -1] }], 4);
    check(plan, 4);
    expect(plan.get('a')).toEqual([0, 1]);
    expect(plan.get('b')).toEqual([2, 3]);
  });

  it('gives the larger shares to the members that held more', () => {
    const plan = assignCopartitioned([{ memberId: 'a', previous: [0] }, { memberId: 'b', previous: [1, 2, 3, 4] }], 5);
    check(plan, 5);
    expect(plan.get('b')).toHaveLength(3);
    expect(plan.get('a')).toEqual([0, 4]);
  });
});

describe('commonPartitionCount', () => {
  it('returns the count shared by all topics', () => {
    expect(commonPartitionCount('g', new Map([['a', 4], ['b', 4]]))).toBe(4);
  });

  it('names the topics whose counts differ', () => {
    const attempt = () => commonPartitionCount('g', new Map([['a', 4], ['b', 6]]));
    expect(attempt).toThrow(TopicMismatchError);
    expect(attempt).toThrow(/"b".*6 partitions.*"a".*4/);
  });
});

describe('copartitionAssigner (kafkajs protocol)', () => {
  const cluster = (counts: Record<string, number>) =>
    ({ findTopicPartitionMetadata: (t: string) => Array.from({ length: counts[t] ?? 0 }, (_, partitionId) => ({ partitionId })) }) as never;
  const metadata = (topics: string[], previous: number[]) =>
    AssignerProtocol.MemberMetadata.encode({ version: 1, topics, userData: Buffer.from(JSON.stringify({ v: 1, partitions: previous })) });

  it('assigns the same partition numbers of every topic to each member', async () => {
    const assigner = copartitionAssigner({ previousAssignment: () => [] })({ cluster: cluster({ a: 4, b: 4 }), groupId: 'g', logger: {} as never });
    const result = await assigner.assign({
      topics: ['a', 'b'],
      members: [
        { memberId: 'm1', memberMetadata: metadata(['a', 'b'], [2, 3]) },
        { memberId: 'm2', memberMetadata: metadata(['b', 'a'], []) },
      ],
    });
    const decoded = Object.fromEntries(result.map((r) => [r.memberId, AssignerProtocol.MemberAssignment.decode(r.memberAssignment)!.assignment]));
    expect(decoded).toEqual({ m1: { a: [2, 3], b: [2, 3] }, m2: { a: [0, 1], b: [0, 1] } });
  });

  it('announces the previous assignment in its subscription', () => {
    const assigner = copartitionAssigner({ previousAssignment: () => [1, 3] })({ cluster: cluster({}), groupId: 'g', logger: {} as never });
    const { name, metadata: encoded } = assigner.protocol({ topics: ['a'] });
    expect(name).toBe('copartition');
    const decoded = AssignerProtocol.MemberMetadata.decode(encoded)!;
    expect(decoded.topics).toEqual(['a']);
    expect(JSON.parse(decoded.userData.toString())).toEqual({ v: 1, partitions: [1, 3] });
  });

  it('refuses topics with different partition counts and members with other topics', async () => {
    const assigner = copartitionAssigner({ previousAssignment: () => [] })({ cluster: cluster({ a: 4, b: 2 }), groupId: 'g', logger: {} as never });
    await expect(assigner.assign({ topics: ['a', 'b'], members: [{ memberId: 'm1', memberMetadata: metadata(['a', 'b'], []) }] })).rejects.toThrow(TopicMismatchError);
    await expect(
      assigner.assign({ topics: ['a'], members: [{ memberId: 'm1', memberMetadata: metadata(['a'], []) }, { memberId: 'm2', memberMetadata: metadata(['c'], []) }] }),
    ).rejects.toThrow(/same topics/);
  });
});
