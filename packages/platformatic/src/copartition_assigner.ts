import { GokaError } from '@goka-ts/api';
import { assignablePartitionCount, checkSameSubscriptions, decodeMemberData, planCopartitioned } from '@goka-ts/copartition';
import type { ExtendedGroupProtocolSubscription, GroupPartitionsAssigner, GroupPartitionsAssignments } from '@platformatic/kafka';

/**
 * The platformatic `partitionAssigner` run by the group leader. platformatic calls it inside a
 * callback where a throw would escape as an uncaught exception: a refused assignment (members
 * subscribing different topics, unequal partition counts) goes to `onError` and every member gets
 * nothing, and the consumer fails with that error.
 */
export function copartitionAssigner(groupId: string, onError: (err: Error) => void): GroupPartitionsAssigner {
  return (_current, members, topics, metadata) => {
    const empty = (): GroupPartitionsAssignments[] => [...members.keys()].map((memberId) => ({ memberId, assignments: new Map() }));
    try {
      checkSameSubscriptions(groupId, [...topics], members.values());
      const counts = new Map([...topics].map((t) => [t, metadata.topics.get(t)?.partitionsCount ?? 0] as const));
      const partitionCount = assignablePartitionCount(groupId, counts);
      const previous = [...members.values()].map((m: ExtendedGroupProtocolSubscription) => ({ memberId: m.memberId, previous: decodeMemberData(m.metadata) }));
      const plan = planCopartitioned(previous, partitionCount);
      return [...members.keys()].map((memberId) => ({
        memberId,
        assignments: new Map([...topics].map((topic) => [topic, { topic, partitions: plan.get(memberId) ?? [] }])),
      }));
    } catch (err) {
      onError(err instanceof Error ? err : new GokaError(String(err)));
      return empty();
    }
  };
}
