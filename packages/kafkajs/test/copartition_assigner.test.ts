import { TopicMismatchError } from '@goka-ts/api';
import { AssignerProtocol } from 'kafkajs';
import { copartitionAssigner } from '../src/copartition_assigner';

// The plan itself is @goka-ts/copartition's and tested there; these test the kafkajs glue.
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
