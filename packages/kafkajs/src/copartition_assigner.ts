import {
  assignablePartitionCount,
  checkSameSubscriptions,
  COPARTITION_PROTOCOL,
  COPARTITION_VERSION,
  decodeMemberData,
  encodeMemberData,
  planCopartitioned,
} from '@goka-ts/copartition';
import { AssignerProtocol, type Assigner, type PartitionAssigner } from 'kafkajs';

/** What the assigner needs from the group consumer it belongs to. */
export interface CopartitionAssignerHooks {
  /** Partitions this member held before the current rebalance (announced for stickiness). */
  previousAssignment(): readonly number[];
  /** Called with the kafkajs cluster of the consumer the assigner belongs to. */
  onCreate?(cluster: Parameters<PartitionAssigner>[0]['cluster']): void;
}

/** The kafkajs `PartitionAssigner` of Go Goka's "copartition" protocol, planning with `@goka-ts/copartition`. */
export function copartitionAssigner(hooks: CopartitionAssignerHooks): PartitionAssigner {
  return ({ cluster, groupId }) => {
    hooks.onCreate?.(cluster);
    const assigner: Assigner = {
      name: COPARTITION_PROTOCOL,
      version: COPARTITION_VERSION,
      async assign({ members, topics }) {
        const decoded = members.map((m) => ({ memberId: m.memberId, ...AssignerProtocol.MemberMetadata.decode(m.memberMetadata)! }));
        checkSameSubscriptions(groupId, topics, decoded);
        const counts = new Map(topics.map((t) => [t, cluster.findTopicPartitionMetadata(t).length] as const));
        const partitionCount = assignablePartitionCount(groupId, counts);
        const plan = planCopartitioned(decoded.map((m) => ({ memberId: m.memberId, previous: decodeMemberData(m.userData) })), partitionCount);
        return decoded.map((m) => {
          const partitions = plan.get(m.memberId) ?? [];
          const assignment: Record<string, number[]> = {};
          for (const t of topics) assignment[t] = partitions;
          return { memberId: m.memberId, memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: COPARTITION_VERSION, assignment, userData: Buffer.alloc(0) }) };
        });
      },
      protocol({ topics }) {
        return {
          name: COPARTITION_PROTOCOL,
          metadata: AssignerProtocol.MemberMetadata.encode({ version: COPARTITION_VERSION, topics, userData: encodeMemberData(hooks.previousAssignment()) }),
        };
      },
    };
    return assigner;
  };
}
