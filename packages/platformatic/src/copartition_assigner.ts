import { GokaError, TopicMismatchError } from '@goka-ts/api';
import type { ExtendedGroupProtocolSubscription, GroupPartitionsAssigner, GroupPartitionsAssignments } from '@platformatic/kafka';

/** The assignment protocol goka-ts members announce: Go Goka's name, shared with the kafkajs adapter. */
export const COPARTITION_PROTOCOL = 'copartition';
/** Version of the subscription this adapter sends. */
export const COPARTITION_VERSION = 1;

/**
 * The subscription's user data: the partitions the member held before, as JSON
 * `{"v":1,"partitions":[...]}`, the format the kafkajs adapter reads and writes too, so either
 * can lead a mixed group and keep tables where they are.
 */
export function encodePrevious(previous: readonly number[]): Buffer {
  return Buffer.from(JSON.stringify({ v: COPARTITION_VERSION, partitions: previous }));
}

export function decodePrevious(data: Buffer | string | null | undefined): number[] {
  if (!data || data.length === 0) return [];
  try {
    const parsed = JSON.parse(data.toString()) as { partitions?: unknown };
    return Array.isArray(parsed.partitions) ? parsed.partitions.filter((p): p is number => Number.isInteger(p)) : [];
  } catch {
    // Go Goka and other clients send other user data: those members just get no stickiness.
    return [];
  }
}

/**
 * Same partition numbers of every topic per member, balanced (loads differ by at most one),
 * deterministic, and sticky: a member first keeps what it held, up to its share.
 * `members` maps member id to the partitions it held.
 */
export function planCopartitioned(members: ReadonlyMap<string, readonly number[]>, partitionCount: number): Map<string, number[]> {
  const ids = [...members.keys()].sort();
  const plan = new Map<string, number[]>(ids.map((id) => [id, []]));
  if (ids.length === 0) return plan;
  const owner = new Map<number, string>();
  for (const id of ids) {
    for (const p of members.get(id)!) if (p >= 0 && p < partitionCount && !owner.has(p)) owner.set(p, id);
  }
  // Members holding the most get the larger shares, so the fewest partitions move.
  const held = (id: string) => [...owner.values()].filter((o) => o === id).length;
  const order = [...ids].sort((a, b) => held(b) - held(a) || (a < b ? -1 : 1));
  const base = Math.floor(partitionCount / ids.length);
  const share = new Map(order.map((id, i) => [id, base + (i < partitionCount % ids.length ? 1 : 0)]));
  const free: number[] = [];
  for (let p = 0; p < partitionCount; p++) {
    const id = owner.get(p);
    const own = id === undefined ? undefined : plan.get(id)!;
    if (own && own.length < share.get(id!)!) own.push(p);
    else free.push(p);
  }
  for (const id of ids) {
    const own = plan.get(id)!;
    while (own.length < share.get(id)! && free.length) own.push(free.shift()!);
    own.sort((a, b) => a - b);
  }
  return plan;
}

/** Checks that all topics have the same partition count and returns it. */
export function commonPartitionCount(group: string, counts: ReadonlyMap<string, number>): number {
  const entries = [...counts];
  if (entries.length === 0) throw new GokaError(`group "${group}": no topics to assign`);
  const [firstTopic, first] = entries[0]!;
  for (const [topic, count] of entries) {
    if (count !== first) {
      throw new TopicMismatchError(topic, [
        `has ${count} partitions but "${firstTopic}" has ${first}: topics of group "${group}" must be co-partitioned (equal partition counts)`,
      ]);
    }
  }
  return first;
}

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
      const wanted = [...topics].sort().join(',');
      for (const m of members.values()) {
        const subscribed = [...(m.topics ?? [])].sort().join(',');
        if (subscribed !== wanted) {
          throw new GokaError(`group "${groupId}": member ${m.memberId} subscribes [${subscribed}], the leader [${wanted}]; all members of a group must consume the same topics`);
        }
      }
      const counts = new Map([...topics].map((t) => [t, metadata.topics.get(t)?.partitionsCount ?? 0] as const));
      for (const [topic, count] of counts) if (count === 0) throw new GokaError(`group "${groupId}": no metadata for topic "${topic}"`);
      const partitionCount = commonPartitionCount(groupId, counts);
      const previous = new Map([...members.values()].map((m: ExtendedGroupProtocolSubscription) => [m.memberId, decodePrevious(m.metadata)] as const));
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
