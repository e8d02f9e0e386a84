import { planCopartitioned, type CopartitionMember } from '@goka-ts/copartition';

/**
 * Goka's co-partitioned assignment: every member gets the same partition numbers of every topic of
 * the group. It is `@goka-ts/copartition`'s plan, the one every adapter assigns with: balanced,
 * deterministic and sticky (a member keeps as many of its `previous` partitions as its share allows,
 * so a join or leave moves as few tables as possible). A member given by its id alone held nothing.
 */
export function copartitionedAssignment(members: readonly (string | CopartitionMember)[], partitionCount: number): Map<string, number[]> {
  return planCopartitioned(members.map((m) => (typeof m === 'string' ? { memberId: m, previous: [] } : m)), partitionCount);
}
