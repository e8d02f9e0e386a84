import type { InputStats, OutputStats } from '@goka-ts/api';

/** Mutable input counters of one topic-partition; updated once per batch, snapshotted on demand. */
export class InputCounters {
  count = 0;
  bytes = 0;
  lastOffset = -1;
  highWatermark = -1;
  lastTimestamp = 0;
  lastProcessedAt = 0;
  /** Failed messages the error policy skipped / parked in a dead-letter topic (acknowledged). */
  skipped = 0;
  deadLettered = 0;

  /** Records a processed batch: `n` messages, `bytes` of keys and values, the last message's offset and timestamp. */
  record(n: number, bytes: number, lastOffset: number, lastTimestamp: number, highWatermark: number): void {
    this.count += n;
    this.bytes += bytes;
    this.lastOffset = lastOffset;
    this.lastTimestamp = lastTimestamp;
    this.lastProcessedAt = Date.now();
    if (highWatermark >= 0) this.highWatermark = highWatermark;
  }

  snapshot(): InputStats {
    const lag = this.highWatermark < 0 || this.lastOffset < 0 ? 0 : Math.max(0, this.highWatermark - this.lastOffset - 1);
    return {
      count: this.count,
      bytes: this.bytes,
      lastOffset: this.lastOffset,
      lag,
      delayMs: this.lastOffset < 0 ? 0 : Math.max(0, this.lastProcessedAt - this.lastTimestamp),
      skipped: this.skipped,
      deadLettered: this.deadLettered,
    };
  }
}

/** Mutable output counters of one topic (per partition processor). */
export class OutputCounters {
  count = 0;
  bytes = 0;

  snapshot(): OutputStats {
    return { count: this.count, bytes: this.bytes };
  }
}

/** Snapshots a map of counters into a plain record. */
export function snapshotAll<C extends { snapshot(): S }, S>(map: ReadonlyMap<string, C>): Record<string, S> {
  const out: Record<string, S> = {};
  for (const [topic, counters] of map) out[topic] = counters.snapshot();
  return out;
}
