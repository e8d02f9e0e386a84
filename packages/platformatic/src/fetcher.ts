import { Consumer, FetchIsolationLevels, ListOffsetTimestamps } from '@platformatic/kafka';
import { installDecompression } from './decompression';
import type { ResolvedOptions } from './options';

/**
 * A platformatic consumer that never joins a group: the adapter only fetches and lists offsets
 * with it, on connections of its own. Its decoders read every framing other clients write
 * (see {@link installDecompression}). platformatic requires a group id; this one is never used
 * for a group request.
 */
export function createFetcher(options: ResolvedOptions, purpose: string): Consumer {
  installDecompression();
  return new Consumer({ ...options.base, groupId: `goka-ts-${purpose}-fetcher`, autocommit: false });
}

/**
 * Oldest or newest offsets of partitions, as read_committed readers see them: the newest
 * offset is the last stable offset, so a reader waits for open transactions to end.
 */
export async function listOffsets(fetcher: Consumer, topic: string, partitions: readonly number[], which: 'oldest' | 'newest'): Promise<Map<number, bigint>> {
  const offsets = await fetcher.listOffsets({
    topics: [topic],
    partitions: { [topic]: [...partitions] },
    timestamp: which === 'oldest' ? ListOffsetTimestamps.EARLIEST : ListOffsetTimestamps.LATEST,
    isolationLevel: FetchIsolationLevels.READ_COMMITTED,
  });
  const list = offsets.get(topic) ?? [];
  return new Map(partitions.map((p) => [p, list[p] ?? 0n]));
}
