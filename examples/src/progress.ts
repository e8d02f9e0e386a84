import type { KafkaClient, PartitionOffsets, ProcessorStats } from '@goka-ts/api';
import { waitFor, type WaitOptions } from './wait';

/** Current offsets of every partition of a topic. */
export async function topicOffsets(client: KafkaClient, topic: string): Promise<PartitionOffsets[]> {
  const admin = client.admin();
  await admin.connect();
  try {
    return await admin.partitionOffsets(topic);
  } finally {
    await admin.close();
  }
}

/** Records currently in a topic (all partitions). */
export async function countRecords(client: KafkaClient, topic: string): Promise<number> {
  return (await topicOffsets(client, topic)).reduce((sum, p) => sum + (p.newest - p.oldest), 0);
}

/**
 * Waits until a processor has processed every record that is in `topic` now. Stream processing never
 * "finishes", so examples that print a result (and tests) use this to know that the state they read
 * reflects everything they produced before.
 */
export async function waitProcessed(
  client: KafkaClient,
  processor: { stats(): ProcessorStats },
  topic: string,
  options?: WaitOptions,
): Promise<void> {
  const offsets = await topicOffsets(client, topic);
  await waitFor(
    `${processor.stats().group} to process everything in ${topic}`,
    () => {
      const partitions = processor.stats().partitions;
      return offsets.every(({ partition, newest, oldest }) => newest === oldest || (partitions[partition]?.input[topic]?.lastOffset ?? -1) >= newest - 1);
    },
    options,
  );
}
