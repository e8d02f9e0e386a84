import { GokaError, TopicMismatchError } from '@goka-ts/api';

/** Checks that all topics of a group have the same partition count and returns it. */
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
 * The partition count the group leader assigns: {@link commonPartitionCount}, after checking that
 * the leader's metadata knows every topic (a count of 0 means the leader has none for it).
 */
export function assignablePartitionCount(group: string, counts: ReadonlyMap<string, number>): number {
  for (const [topic, count] of counts) if (count === 0) throw new GokaError(`group "${group}": no metadata for topic "${topic}"`);
  return commonPartitionCount(group, counts);
}

/** A member's subscription as the leader decodes it. */
export interface SubscribedMember {
  readonly memberId: string;
  readonly topics?: readonly string[] | undefined;
}

/**
 * Checks that every member subscribes exactly the leader's topics (in any order): a co-partitioned
 * plan gives each member the same partitions of every topic, which means nothing for a member
 * that consumes other topics.
 */
export function checkSameSubscriptions(group: string, leaderTopics: readonly string[], members: Iterable<SubscribedMember>): void {
  const wanted = [...leaderTopics].sort().join(', ');
  for (const m of members) {
    const subscribed = [...(m.topics ?? [])].sort().join(', ');
    if (subscribed !== wanted) {
      throw new GokaError(`group "${group}": member ${m.memberId} subscribes [${subscribed}], the leader [${wanted}]; all members of a group must consume the same topics`);
    }
  }
}
