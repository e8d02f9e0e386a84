/** How far a consumer group is behind its input: committed offsets against high watermarks. */
import { GokaError, type Admin, type KafkaClient, type MessageBatch } from '@goka-ts/api';
import { Backoff, sleep } from '../backoff';

/** The lag of one topic-partition. */
export interface PartitionLag {
  readonly topic: string;
  readonly partition: number;
  /** The group's committed offset (the next offset it reads), `-1` when it never committed one. */
  readonly committed: number;
  /** The first readable offset. */
  readonly oldest: number;
  /** The high watermark: the offset the next record will get. */
  readonly highWatermark: number;
  /**
   * Records the group has yet to read. Counted exactly (by reading them) when the committed offset
   * is at most {@link GroupLagOptions.exactUpTo} offsets behind, so transaction markers and aborted
   * records, which occupy offsets but are never delivered, do not count; beyond that it is the
   * offset distance, an upper bound. A partition without a commit counts everything readable.
   */
  readonly lag: number;
}

/** The lag of a group over its topics. */
export interface GroupLag {
  readonly groupId: string;
  /** Sorted by topic, then partition. */
  readonly partitions: readonly PartitionLag[];
  /** Sum of every partition's lag. */
  readonly total: number;
}

export interface GroupLagOptions {
  /** Topics to measure; default every topic the group has committed offsets for. */
  readonly topics?: readonly string[];
  /**
   * Largest offset distance that is counted exactly by reading (see {@link PartitionLag.lag}).
   * Default 1000; `0` never reads.
   */
  readonly exactUpTo?: number;
}

export interface WaitForGroupCaughtUpOptions extends GroupLagOptions {
  /** Gives up after this long (ms), rejecting with the lag that is left. */
  readonly timeoutMs: number;
  /** Aborts the wait: rejects with the signal's reason. */
  readonly signal?: AbortSignal;
  /** Delay of the first re-check (ms); re-checks back off up to {@link maxPollMs}. Default 100. */
  readonly pollMs?: number;
  /** Longest delay between checks (ms). Default 2000. */
  readonly maxPollMs?: number;
}

const DEFAULT_EXACT_UP_TO = 1000;
/** A count by reading that takes longer falls back to the offset distance. */
const EXACT_READ_TIMEOUT_MS = 10_000;

/**
 * The lag of consumer group `groupId`: for every partition of its topics, the committed offset, the
 * high watermark and how many records lie between them, plus the total. Reads committed offsets
 * through the admin, so it measures what the group committed (every instance together), not what
 * one process has in flight.
 *
 * With exactly-once processing the producer of the input writes a transaction marker after each
 * transaction: a group that read everything has committed the offset after its last record, which
 * is the marker's offset, one short of the high watermark. Such distances are counted by reading
 * the partition from the committed offset (read_committed), so a caught-up group shows lag 0.
 *
 * @param topics - topics to measure (or {@link GroupLagOptions}); default every topic the group
 *   committed offsets for. Rejects with `UnknownTopicError` for a named topic that does not exist.
 *
 * @example
 * const { total, partitions } = await groupLag(client, 'clicks-counter');
 * for (const p of partitions) console.log(`${p.topic}/${p.partition}: ${p.lag} behind`);
 * console.log(`total ${total}`);
 */
export async function groupLag(client: KafkaClient, groupId: string, topics?: readonly string[] | GroupLagOptions): Promise<GroupLag> {
  const options: GroupLagOptions = Array.isArray(topics) ? { topics: topics as readonly string[] } : ((topics as GroupLagOptions | undefined) ?? {});
  const admin = client.admin();
  await admin.connect();
  try {
    return await measure(client, admin, groupId, options);
  } finally {
    await admin.close();
  }
}

/**
 * Resolves once group `groupId` has no lag left on any partition of its topics (see
 * {@link groupLag}), checking with backoff between `pollMs` and `maxPollMs`. Without `topics`, a
 * group that has committed nothing yet is not caught up. Rejects when `timeoutMs` passes (naming
 * the partitions still behind) or `signal` aborts.
 *
 * @example
 * // after emitting test input, before checking the group's table or outputs:
 * await waitForGroupCaughtUp(client, 'clicks-counter', { topics: ['clicks'], timeoutMs: 30_000 });
 */
export async function waitForGroupCaughtUp(client: KafkaClient, groupId: string, options: WaitForGroupCaughtUpOptions): Promise<GroupLag> {
  const { timeoutMs, signal } = options;
  if (!(timeoutMs >= 0)) throw new RangeError(`waitForGroupCaughtUp: timeoutMs must be >= 0, got ${timeoutMs}`);
  const deadline = Date.now() + timeoutMs;
  const backoff = new Backoff({ initialMs: options.pollMs ?? 100, maxMs: Math.max(options.pollMs ?? 100, options.maxPollMs ?? 2000) });
  throwIfAborted(signal);
  const admin = client.admin();
  await admin.connect();
  try {
    for (;;) {
      const lag = await measure(client, admin, groupId, options);
      if (lag.partitions.length > 0 && lag.total === 0) return lag;
      throwIfAborted(signal);
      const left = deadline - Date.now();
      if (left <= 0) throw new GokaError(`group "${groupId}" did not catch up within ${timeoutMs} ms: ${describeLag(lag)}`);
      if (!(await sleep(Math.min(left, backoff.next()), signal))) throwIfAborted(signal);
    }
  } finally {
    await admin.close();
  }
}

async function measure(client: KafkaClient, admin: Admin, groupId: string, options: GroupLagOptions): Promise<GroupLag> {
  const topics = options.topics ?? [...new Set((await admin.groupOffsets(groupId)).map((o) => o.topic))];
  const perTopic = await Promise.all(
    [...new Set(topics)].sort().map(async (topic) => {
      const [offsets, committed] = await Promise.all([admin.partitionOffsets(topic), admin.committedOffsets(groupId, topic)]);
      const byPartition = new Map(committed.map((c) => [c.partition, c.offset]));
      const partitions = offsets.map(({ partition, oldest, newest }): PartitionLag => {
        const at = byPartition.get(partition) ?? -1;
        const from = at < 0 ? oldest : Math.max(at, oldest);
        return { topic, partition, committed: at, oldest, highWatermark: newest, lag: Math.max(0, newest - from) };
      });
      return countExactly(client, topic, partitions, options.exactUpTo ?? DEFAULT_EXACT_UP_TO);
    }),
  );
  const partitions = perTopic.flat();
  return { groupId, partitions, total: partitions.reduce((sum, p) => sum + p.lag, 0) };
}

/**
 * Replaces the offset distance by the number of records a read_committed reader delivers in
 * [committed, high watermark) for partitions at most `exactUpTo` behind. Falls back to the distance
 * when the read takes too long (e.g. an open transaction holds the partition's stable offset back).
 */
async function countExactly(client: KafkaClient, topic: string, partitions: PartitionLag[], exactUpTo: number): Promise<PartitionLag[]> {
  const probe = partitions.filter((p) => p.lag > 0 && p.lag <= exactUpTo);
  if (probe.length === 0) return partitions;
  const starts = new Map(probe.map((p) => [p.partition, p.committed < 0 ? p.oldest : Math.max(p.committed, p.oldest)]));
  const ends = new Map(probe.map((p) => [p.partition, p.highWatermark]));
  const counts = new Map(probe.map((p) => [p.partition, 0]));
  const reader = client.partitionReader({ topic, follow: false, partitions: probe.map((p) => ({ partition: p.partition, from: starts.get(p.partition)! })) });
  const handler = {
    onBatch: async (batch: MessageBatch) => {
      const end = ends.get(batch.partition)!;
      counts.set(batch.partition, counts.get(batch.partition)! + batch.messages.filter((m) => m.offset < end).length);
    },
  };
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(true), EXACT_READ_TIMEOUT_MS);
  });
  try {
    const running = reader.run(handler);
    // After a timeout the reader is stopped and its outcome no longer matters.
    running.catch(() => undefined);
    if (await Promise.race([running.then(() => false), timedOut])) {
      await reader.stop();
      return partitions;
    }
  } finally {
    clearTimeout(timer);
  }
  return partitions.map((p) => (counts.has(p.partition) ? { ...p, lag: counts.get(p.partition)! } : p));
}

/** The partitions still behind, for error messages. */
function describeLag(lag: GroupLag): string {
  if (lag.partitions.length === 0) return 'it has no committed offsets (and no topics were given)';
  const behind = lag.partitions.filter((p) => p.lag > 0);
  const shown = behind.slice(0, 5).map((p) => `${p.topic}/${p.partition} ${p.lag} behind (committed ${p.committed}, high watermark ${p.highWatermark})`);
  return `total lag ${lag.total}: ${shown.join(', ')}${behind.length > shown.length ? `, and ${behind.length - shown.length} more` : ''}`;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason ?? new DOMException('The operation was aborted', 'AbortError');
}
