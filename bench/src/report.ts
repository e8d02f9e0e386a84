/** One line of the result table: goka-ts against the raw client for one benchmark and adapter. */
export interface ResultRow {
  readonly benchmark: string;
  readonly adapter: string;
  /** msgs/s of every repetition. */
  readonly goka: number[];
  readonly raw: number[];
  /** Least acceptable goka / raw ratio. */
  readonly target: number;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const rate = (v: number) => Math.round(v).toLocaleString('en-US');

/**
 * Formats the rows as a plain-text table. With several repetitions the figures are medians, the
 * best run in parentheses; the ratio compares the medians.
 */
export function formatTable(rows: readonly ResultRow[], columns: { goka: string; raw: string } = { goka: 'goka msgs/s', raw: 'raw msgs/s' }): string {
  const header = ['benchmark', 'adapter', columns.goka, columns.raw, 'ratio', 'target', 'met'];
  const body = rows.map((r) => {
    const g = median(r.goka);
    const w = median(r.raw);
    const ratio = g / w;
    const show = (vs: number[]) => (vs.length > 1 ? `${rate(median(vs))} (best ${rate(Math.max(...vs))})` : rate(vs[0]));
    return [r.benchmark, r.adapter, show(r.goka), show(r.raw), ratio.toFixed(2), `>= ${r.target}`, ratio >= r.target ? 'yes' : 'NO'];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i >= 2 && i <= 4 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}

/**
 * Target and met cells of a row that has no target (latencies, single storage operations): the
 * figure is reported for comparison only, and a made-up threshold would read as a verdict.
 */
export const NO_TARGET = { target: 'none', met: 'n/a' } as const;

/**
 * Met cell of a row with several targets: `yes`, or `no` naming the targets missed, so a row
 * that misses one of two targets says which.
 */
export function metCell(missed: readonly string[]): string {
  return missed.length === 0 ? 'yes' : `no (${missed.join(', ')})`;
}
