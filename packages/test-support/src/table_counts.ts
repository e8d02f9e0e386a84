/**
 * Reads a counter table the way an application would, through a View, once the view has applied
 * everything the table topic holds; and compares counts with what was emitted.
 */
import type { Admin, KafkaClient } from '@goka-ts/api';
import { int64Codec, View } from '@goka-ts/core';
import { waitFor } from './polling';
import { testLogger } from './test_logger';

/** Waits until the view applied every record the table topic holds right now (per partition high watermarks). */
export async function viewCaughtUp(view: View<number>, admin: Admin, timeoutMs = 30_000): Promise<void> {
  const offsets = await admin.partitionOffsets(view.table);
  await waitFor(
    `view of ${view.table} to reach the high watermarks ${offsets.map((o) => `${o.partition}:${o.newest}`).join(' ')}`,
    () => {
      const stats = view.stats();
      if (view.state !== 'running') return false;
      return offsets.every((o) => o.newest === 0 || (stats.partitions[o.partition]?.recovery.offset ?? -1) + 1 >= o.newest);
    },
    timeoutMs,
    50,
  );
}

/** Every entry of the view. */
export async function viewContents(view: View<number>): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for await (const [key, value] of view.iterator()) out.set(key, value);
  return out;
}

/** Starts a view of `table`, waits until it has everything the topic holds, reads it and stops it. */
export async function readTableThroughView(client: KafkaClient, table: string): Promise<Map<string, number>> {
  const view = new View(table, int64Codec, { client, logger: testLogger, maxWaitMs: 100 });
  const running = view.run();
  const admin = client.admin();
  await admin.connect();
  try {
    await view.waitRunning();
    await viewCaughtUp(view, admin);
    return await viewContents(view);
  } finally {
    await admin.close();
    await view.stop();
    await running;
  }
}

/** How a counter table compares with what was emitted, from {@link compareCounts}. */
export interface CountComparison {
  /** Keys whose count is below the emitted count (lost data), with both numbers. */
  readonly short: Array<{ key: string; counted: number; emitted: number }>;
  /** Keys that were counted but never emitted. */
  readonly unexpected: string[];
  /** Sum of counts over the emitted keys. */
  readonly countedTotal: number;
  readonly emittedTotal: number;
  /** Keys counted more often than emitted (messages processed again after a crash). */
  readonly overCounted: number;
}

/** Compares counts per key with the emitted (or acknowledged) counts per key. */
export function compareCounts(counted: ReadonlyMap<string, number>, emitted: ReadonlyMap<string, number>): CountComparison {
  const short: CountComparison['short'] = [];
  let countedTotal = 0;
  let emittedTotal = 0;
  let overCounted = 0;
  for (const [key, n] of emitted) {
    const c = counted.get(key) ?? 0;
    countedTotal += c;
    emittedTotal += n;
    if (c < n) short.push({ key, counted: c, emitted: n });
    if (c > n) overCounted++;
  }
  const unexpected = [...counted.keys()].filter((k) => !emitted.has(k));
  return { short, unexpected, countedTotal, emittedTotal, overCounted };
}

/** The part of a comparison that must be empty for "no data lost", short enough for a failure message. */
export function lost(result: CountComparison): { shortKeys: number; examples: CountComparison['short']; unexpected: string[] } {
  return { shortKeys: result.short.length, examples: result.short.slice(0, 5), unexpected: result.unexpected.slice(0, 5) };
}

/** What {@link lost} returns when no data was lost. */
export const NOTHING_LOST = { shortKeys: 0, examples: [], unexpected: [] };
