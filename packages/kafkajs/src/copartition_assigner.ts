import { GokaError, TopicMismatchError } from '@goka-ts/api';
import { AssignerProtocol, type Assigner, type PartitionAssigner } from 'kafkajs';

/** Protocol name members of a goka-ts group announce. */
export const COPARTITION_PROTOCOL = 'copartition';
const VERSION = 1;

/** A member as the group leader sees it. */
export interface CopartitionMember {
  readonly memberId: string;
  /** Partitions the member held before this rebalance (kept where balance allows, so tables stay local). */
  readonly previous: readonly number[];
}

/**
 * Goka's "copartition" strategy: every member gets the same partition numbers of every topic.
 * Balanced (member loads differ by at most one), deterministic, and sticky: a member keeps as many
 * of its previous partitions as its share allows, so rebalances move as few tables as possible.
 */
export function assignCopartitioned(members: readonly CopartitionMember[], partitionCount: number): Map<string, number[]> {
  const sorted = [...members].sort((a, b) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0));
  const result = new Map<string, number[]>();
  if (sorted.length === 0) return result;
  const claimed = new Set<number>();
  const previous = new Map<string, number[]>();
  for (const m of sorted) {
    const own = [...new Set(m.previous)]
      .filter((p) => Number.isInteger(p) && p >= 0 && p < partitionCount && !claimed.has(p))
      .sort((a, b) => a - b);
    own.forEach((p) => claimed.add(p));
    previous.set(m.memberId, own);
  }
  const base = Math.floor(partitionCount / sorted.length);
  let extra = partitionCount % sorted.length;
  // The larger shares go to the members that held the most, so fewer partitions move.
  const byPrevious = [...sorted].sort((a, b) => previous.get(b.memberId)!.length - previous.get(a.memberId)!.length);
  const capacity = new Map<string, number>();
  for (const m of byPrevious) {
    capacity.set(m.memberId, base + (extra > 0 ? 1 : 0));
    if (extra > 0) extra--;
  }
  const kept = new Set<number>();
  for (const m of sorted) {
    const keep = previous.get(m.memberId)!.slice(0, capacity.get(m.memberId));
    keep.forEach((p) => kept.add(p));
    result.set(m.memberId, keep);
  }
  const free: number[] = [];
  for (let p = 0; p < partitionCount; p++) if (!kept.has(p)) free.push(p);
  let next = 0;
  for (const m of sorted) {
    const own = result.get(m.memberId)!;
    while (own.length < capacity.get(m.memberId)! && next < free.length) own.push(free[next++]!);
    own.sort((a, b) => a - b);
  }
  return result;
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

function encodeUserData(previous: readonly number[]): Buffer {
  return Buffer.from(JSON.stringify({ v: VERSION, partitions: previous }));
}

function decodeUserData(data: Buffer | null | undefined): number[] {
  if (!data || data.length === 0) return [];
  try {
    const parsed = JSON.parse(data.toString()) as { partitions?: unknown };
    return Array.isArray(parsed.partitions) ? parsed.partitions.filter((p): p is number => typeof p === 'number') : [];
  } catch {
    // Another client version's user data: this member simply gets no stickiness.
    return [];
  }
}

export interface CopartitionAssignerHooks {
  /** Partitions this member held before the current rebalance (announced for stickiness). */
  previousAssignment(): readonly number[];
  /** Called with the kafkajs cluster of the consumer the assigner belongs to. */
  onCreate?(cluster: Parameters<PartitionAssigner>[0]['cluster']): void;
}

/** The kafkajs `PartitionAssigner` implementing {@link assignCopartitioned}. */
export function copartitionAssigner(hooks: CopartitionAssignerHooks): PartitionAssigner {
  return ({ cluster, groupId }) => {
    hooks.onCreate?.(cluster);
    const assigner: Assigner = {
      name: COPARTITION_PROTOCOL,
      version: VERSION,
      async assign({ members, topics }) {
        const decoded = members.map((m) => ({ memberId: m.memberId, ...AssignerProtocol.MemberMetadata.decode(m.memberMetadata)! }));
        const wanted = [...topics].sort().join(',');
        for (const m of decoded) {
          if ([...m.topics].sort().join(',') !== wanted) {
            throw new GokaError(`group "${groupId}": member ${m.memberId} subscribes [${m.topics.join(', ')}], the leader [${topics.join(', ')}]; all members of a group must consume the same topics`);
          }
        }
        const counts = new Map(topics.map((t) => [t, cluster.findTopicPartitionMetadata(t).length] as const));
        for (const [topic, count] of counts) {
          if (count === 0) throw new GokaError(`group "${groupId}": no metadata for topic "${topic}"`);
        }
        const partitionCount = commonPartitionCount(groupId, counts);
        const plan = assignCopartitioned(decoded.map((m) => ({ memberId: m.memberId, previous: decodeUserData(m.userData) })), partitionCount);
        return decoded.map((m) => {
          const partitions = plan.get(m.memberId) ?? [];
          const assignment: Record<string, number[]> = {};
          for (const t of topics) assignment[t] = partitions;
          return { memberId: m.memberId, memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: VERSION, assignment, userData: Buffer.alloc(0) }) };
        });
      },
      protocol({ topics }) {
        return {
          name: COPARTITION_PROTOCOL,
          metadata: AssignerProtocol.MemberMetadata.encode({ version: VERSION, topics, userData: encodeUserData(hooks.previousAssignment()) }),
        };
      },
    };
    return assigner;
  };
}
