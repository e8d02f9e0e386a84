import { TopicMismatchError } from '@goka-ts/api';
import { encodeMemberData } from '@goka-ts/copartition';
import type { ExtendedGroupProtocolSubscription } from '@platformatic/kafka';
import { copartitionAssigner } from '../src/copartition_assigner';

// The plan itself is @goka-ts/copartition's and tested there; these test the platformatic glue.
describe('copartitionAssigner (platformatic partitionAssigner)', () => {
  const member = (memberId: string, topics: string[], previous: number[]): [string, ExtendedGroupProtocolSubscription] => [
    memberId,
    { memberId, topics, version: 1, metadata: encodeMemberData(previous) } as ExtendedGroupProtocolSubscription,
  ];
  const metadata = (counts: Record<string, number>) =>
    ({ topics: new Map(Object.entries(counts).map(([t, partitionsCount]) => [t, { partitionsCount }])) }) as never;
  const run = (members: Array<[string, ExtendedGroupProtocolSubscription]>, topics: string[], counts: Record<string, number>) => {
    const errors: Error[] = [];
    const result = copartitionAssigner('g', (err) => errors.push(err))('m1', new Map(members), new Set(topics), metadata(counts));
    const plan = Object.fromEntries(result.map((r) => [r.memberId, Object.fromEntries([...r.assignments].map(([t, a]) => [t, a.partitions]))]));
    return { plan, errors };
  };

  it('assigns the same partition numbers of every topic to each member, keeping what they held', () => {
    const { plan, errors } = run([member('m1', ['a', 'b'], [2, 3]), member('m2', ['b', 'a'], [])], ['a', 'b'], { a: 4, b: 4 });
    expect(errors).toEqual([]);
    expect(plan).toEqual({ m1: { a: [2, 3], b: [2, 3] }, m2: { a: [0, 1], b: [0, 1] } });
  });

  it('reports a refused assignment to onError instead of throwing, and assigns nothing', () => {
    const counts = run([member('m1', ['a', 'b'], [])], ['a', 'b'], { a: 4, b: 2 });
    expect(counts.plan).toEqual({ m1: {} });
    expect(counts.errors).toHaveLength(1);
    expect(counts.errors[0]).toBeInstanceOf(TopicMismatchError);
    const topics = run([member('m1', ['a'], []), member('m2', ['c'], [])], ['a'], { a: 4 });
    expect(topics.plan).toEqual({ m1: {}, m2: {} });
    expect(topics.errors[0]?.message).toMatch(/member m2 subscribes \[c\].*same topics/);
  });
});
