import type { ClusterMetadata, Base } from '@platformatic/kafka';
import { isUnknownTopic } from './errors';

/** A topic's id (fetch requests name topics by id) and partition count, from cluster metadata. */
export interface TopicInfo {
  readonly topic: string;
  readonly id: string;
  readonly partitions: number;
}

type AnyBase = Base<never>;

/** `"topic:partition"`: how the adapter keys per-partition state and results. */
export function partitionKey(topic: string, partition: number): string {
  return `${topic}:${partition}`;
}

/** Metadata of one topic; `undefined` when it does not exist. */
export async function topicInfo(client: { metadata: AnyBase['metadata'] }, topic: string, forceUpdate = true): Promise<TopicInfo | undefined> {
  let metadata: ClusterMetadata;
  try {
    metadata = await client.metadata({ topics: [topic], forceUpdate, autocreateTopics: false });
  } catch (err) {
    if (isUnknownTopic(err)) return undefined;
    throw err;
  }
  const t = metadata.topics.get(topic);
  if (!t || t.partitionsCount === 0) return undefined;
  return { topic, id: t.id, partitions: t.partitionsCount };
}
