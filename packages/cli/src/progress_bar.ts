import type { ViewStats } from '@goka-ts/api';

/** How far a view's recovery is: table offsets read against the high watermarks seen at start. */
export interface RecoveryProgress {
  readonly done: number;
  readonly total: number;
}

export function recoveryProgress(stats: ViewStats): RecoveryProgress {
  let done = 0;
  let total = 0;
  for (const p of Object.values(stats.partitions)) {
    const { startOffset, offset, highWatermark } = p.recovery;
    if (highWatermark < 0) continue; // not looked up yet
    const start = Math.max(0, startOffset);
    total += Math.max(0, highWatermark - start);
    done += p.status === 'running' ? Math.max(0, highWatermark - start) : Math.min(Math.max(0, offset + 1 - start), Math.max(0, highWatermark - start));
  }
  return { done, total };
}

/** A one-line bar, e.g. `recovering clicks-table [#####.....] 50% 500/1000 offsets`, at most `columns` wide. */
export function renderProgress(label: string, progress: RecoveryProgress, columns: number): string {
  const ratio = progress.total === 0 ? 1 : Math.min(1, progress.done / progress.total);
  const tail = ` ${Math.floor(ratio * 100)}% ${progress.done}/${progress.total} offsets`;
  const head = `recovering ${label} `;
  const width = Math.max(10, Math.min(40, columns - head.length - tail.length - 3));
  const filled = Math.round(ratio * width);
  return `${head}[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]${tail}`.slice(0, Math.max(columns - 1, 20));
}
