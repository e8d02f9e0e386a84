import {
  GokaError,
  StateError,
  type Admin,
  type KafkaClient,
  type MessageBatch,
  type PartitionOffsets,
  type PartitionReader,
  type PartitionStart,
} from '@goka-ts/api';

/**
 * What the shared reader needs of a table partition: where it starts, how a fetched batch is
 * applied, and the hooks that keep its status and stats. `PartitionTable` implements it; the
 * reader itself keeps no state of a table, so one reader can serve every partition of a topic.
 *
 * The members past `topic` and `partition` are the reader's side only and stay out of the
 * published declarations, like the `PartitionTable` members implementing them.
 */
export interface ReadableTable {
  readonly topic: string;
  readonly partition: number;
  /** @internal The client the reader is made with, the table's admin (if any) and the fetch wait. */
  readonly clientOptions: { client: KafkaClient; admin: Admin | undefined; maxWaitMs: number | undefined };
  /** @internal A stop was requested since the last {@link ReadableTable.claim}. */
  readonly stopped: boolean;
  /** @internal Claims the table for one recovery or follow; throws when it is already reading or not open. */
  claim(): void;
  /** @internal */
  release(): void;
  /** @internal Prepares recovery against the partition's offsets; returns where to start reading. */
  beginRecovery(offsets: PartitionOffsets | undefined, partitionCount: number): Promise<number>;
  /** @internal Marks the table recovered after the reader reached the high watermark. */
  finishRecovery(): Promise<void>;
  /** @internal Prepares following; returns the offset to start at. */
  beginFollow(): number;
  /** @internal The reader ended: `error` when it failed, else stopped (recovery or follow). */
  endReading(following: boolean, error?: unknown): void;
  /** @internal The reader now reading this partition (`undefined`: none), so a stop can reach it. */
  attachReader(reader: PartitionReader | undefined): void;
  /** @internal The reader reached the high watermark. */
  reachedHighWatermark(highWatermark: number, following: boolean): void;
  /** @internal Applies one fetched batch. */
  apply(batch: MessageBatch, recovering: boolean): Promise<void>;
}

export interface TableReadOptions {
  /** Ends reading early like `stop()`. */
  readonly signal?: AbortSignal;
  /** A connected admin for the offsets (default: the tables' own, else a temporary one). */
  readonly admin?: Admin;
}

/**
 * Recovers several partitions of one table topic with a single reader (see
 * `PartitionTable.recover`). Resolves `true` when every partition is recovered, `false` when
 * stopped or aborted first. Stopping any of the tables stops them all.
 */
export async function recoverTables(tables: readonly ReadableTable[], options: TableReadOptions = {}): Promise<boolean> {
  if (tables.length === 0) return true;
  const { topic } = sameTopic(tables);
  const signal = options.signal;
  claimAll(tables);
  try {
    const offsets = await partitionOffsets(tables[0], options.admin);
    const byPartition = new Map(offsets.map((o) => [o.partition, o]));
    const starts: PartitionStart[] = [];
    const reading: ReadableTable[] = [];
    for (const table of tables) {
      const newest = byPartition.get(table.partition)?.newest ?? 0;
      const from = await table.beginRecovery(byPartition.get(table.partition), offsets.length);
      if (from < newest) {
        starts.push({ partition: table.partition, from });
        reading.push(table);
      }
    }
    const completed = await runReader(topic, tables, reading, starts, false, signal);
    if (!completed) {
      for (const table of tables) table.endReading(false);
      return false;
    }
    await Promise.all(tables.map((table) => table.finishRecovery()));
    return true;
  } catch (err) {
    for (const table of tables) table.endReading(false, err);
    throw err;
  } finally {
    for (const table of tables) table.release();
  }
}

/**
 * Follows several partitions of one table topic with a single reader (see `PartitionTable.follow`).
 * Resolves when stopped or aborted, rejects on an error.
 */
export async function followTables(tables: readonly ReadableTable[], options: TableReadOptions = {}): Promise<void> {
  if (tables.length === 0) return;
  const { topic } = sameTopic(tables);
  claimAll(tables);
  try {
    const starts = tables.map((table) => ({ partition: table.partition, from: table.beginFollow() }));
    await runReader(topic, tables, tables, starts, true, options.signal);
    for (const table of tables) table.endReading(true);
  } catch (err) {
    for (const table of tables) table.endReading(true, err);
    throw err;
  } finally {
    for (const table of tables) table.release();
  }
}

function claimAll(tables: readonly ReadableTable[]): void {
  const claimed: ReadableTable[] = [];
  try {
    for (const table of tables) {
      table.claim();
      claimed.push(table);
    }
  } catch (err) {
    for (const table of claimed) table.release();
    throw err;
  }
}

function sameTopic(tables: readonly ReadableTable[]): { topic: string } {
  const topic = tables[0].topic;
  const seen = new Set<number>();
  for (const table of tables) {
    if (table.topic !== topic) throw new StateError(`tables of different topics ("${topic}", "${table.topic}") cannot share a reader`);
    if (seen.has(table.partition)) throw new StateError(`table "${topic}" partition ${table.partition} is listed twice`);
    seen.add(table.partition);
  }
  return { topic };
}

async function partitionOffsets(table: ReadableTable, shared: Admin | undefined): Promise<PartitionOffsets[]> {
  const { client, admin: own } = table.clientOptions;
  const admin = shared ?? own ?? client.admin();
  const temporary = !shared && !own;
  if (!temporary) return admin.partitionOffsets(table.topic);
  await admin.connect();
  try {
    return await admin.partitionOffsets(table.topic);
  } finally {
    await admin.close();
  }
}

/**
 * Runs one reader over `starts`, dispatching batches to the tables by partition. Resolves `true`
 * when it ended on its own, `false` when stopped (any table's stop(), or the signal).
 */
async function runReader(
  topic: string,
  all: readonly ReadableTable[],
  reading: readonly ReadableTable[],
  starts: readonly PartitionStart[],
  follow: boolean,
  signal: AbortSignal | undefined,
): Promise<boolean> {
  const stopped = () => signal?.aborted === true || all.some((table) => table.stopped);
  if (stopped()) return false;
  if (starts.length === 0) return true;
  const byPartition = new Map(reading.map((table) => [table.partition, table]));
  const { client, maxWaitMs } = reading[0].clientOptions;
  const reader = client.partitionReader({ topic, partitions: starts, follow, maxWaitMs });
  for (const table of all) table.attachReader(reader);
  const onAbort = () => void reader.stop();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    // A stop() may have come between the check above and attaching the reader.
    if (stopped()) return false;
    await reader.run({
      onBatch: (batch) => {
        const table = byPartition.get(batch.partition);
        if (!table) throw new GokaError(`reader of table "${topic}" delivered partition ${batch.partition}, which it was not asked for`);
        return table.apply(batch, !follow);
      },
      onCaughtUp: (partition, highWatermark) => byPartition.get(partition)?.reachedHighWatermark(highWatermark, follow),
    });
    return !stopped();
  } finally {
    signal?.removeEventListener('abort', onAbort);
    for (const table of all) table.attachReader(undefined);
  }
}
