/**
 * Goka's co-partitioned assignment: every member gets the same partition numbers of every topic of
 * the group. Partitions are split into contiguous ranges, in member order, the first members taking
 * one extra partition each when the count does not divide evenly.
 */
export function copartitionedAssignment(members: readonly string[], partitionCount: number): Map<string, number[]> {
  const assignment = new Map<string, number[]>();
  const base = Math.floor(partitionCount / Math.max(members.length, 1));
  const extra = partitionCount % Math.max(members.length, 1);
  let next = 0;
  members.forEach((member, index) => {
    const count = base + (index < extra ? 1 : 0);
    assignment.set(member, Array.from({ length: count }, (_, i) => next + i));
    next += count;
  });
  return assignment;
}
