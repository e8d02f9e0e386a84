import type { TableStats, ViewStats } from '@goka-ts/api';
import { recoveryProgress, renderProgress } from '../src/progress_bar';

function partition(status: TableStats['status'], startOffset: number, offset: number, highWatermark: number): TableStats {
  return { status, stalled: false, writes: 0, recovery: { startOffset, offset, highWatermark, records: 0 } };
}

describe('recovery progress bar', () => {
  it('counts offsets read against the high watermarks, running partitions as complete', () => {
    const stats: ViewStats = {
      table: 't',
      state: 'recovering',
      partitions: {
        0: partition('recovering', 0, 49, 200), // 50 of 200
        1: partition('running', 10, 8, 10), // nothing to read
        2: partition('recovering', 100, 149, 300), // 50 of 200 (started at a stored offset)
        3: partition('connecting', -1, -1, -1), // not looked up yet
      },
    };
    expect(recoveryProgress(stats)).toEqual({ done: 100, total: 400 });
  });

  it('draws a bar that fits the terminal', () => {
    const line = renderProgress('clicks-table', { done: 100, total: 400 }, 80);
    expect(line).toMatch(/^recovering clicks-table \[#+\.+\] 25% 100\/400 offsets$/);
    expect(line.length).toBeLessThan(80);
    expect(renderProgress('t', { done: 0, total: 0 }, 80)).toContain('100% 0/0 offsets');
  });
});
