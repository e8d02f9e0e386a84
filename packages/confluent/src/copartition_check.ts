import { GokaError, TopicMismatchError, UnknownTopicError } from '@goka-ts/api';
import type { Metadata } from './rdkafka';

/**
 * Checks that every topic of a group exists and all have the same partition count, the
 * precondition of co-partitioned assignment. Returns the common partition count.
 */
export function checkCoPartitioned(topics: readonly string[], metadata: Metadata): number {
  let expected: { topic: string; count: number } | undefined;
  for (const topic of topics) {
    const md = metadata.topics.find((t) => t.name === topic);
    if (!md || md.partitions.length === 0) throw new UnknownTopicError(topic, { detail: 'needed by the group consumer' });
    const count = md.partitions.length;
    if (!expected) expected = { topic, count };
    else if (count !== expected.count) {
      throw new TopicMismatchError(topic, [
        `has ${count} partitions but "${expected.topic}" has ${expected.count}; co-partitioned topics need equal partition counts`,
      ]);
    }
  }
  return expected?.count ?? 0;
}

/**
 * Partition numbers of an assignment, verifying that every topic got the same ones. librdkafka's
 * range assignor gives that for topics with equal partition counts; should it ever not (e.g. a
 * rack-aware variant), failing loudly beats processing partitions without their tables.
 */
export function assignedPartitions(topics: readonly string[], assignment: readonly { topic: string; partition: number }[]): number[] {
  const byTopic = new Map<string, number[]>(topics.map((t) => [t, []]));
  for (const tp of assignment) byTopic.get(tp.topic)?.push(tp.partition);
  let reference: string | undefined;
  let referenceTopic = '';
  let partitions: number[] = [];
  for (const [topic, list] of byTopic) {
    list.sort((a, b) => a - b);
    const key = list.join(',');
    if (reference === undefined) {
      reference = key;
      referenceTopic = topic;
      partitions = list;
    } else if (key !== reference) {
      throw new GokaError(
        `assignment is not co-partitioned: topic "${referenceTopic}" got partitions [${reference}] but "${topic}" got [${key}]`,
      );
    }
  }
  return partitions;
}
