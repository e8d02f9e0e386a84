import { Counter, Gauge, type Registry } from 'prom-client';

/** Labels of one series; prom-client wants strings (or numbers). */
export type Labels = Record<string, string>;

/** A metric of this package (they are gauges and counters only). */
export type Metric = Gauge | Counter;

/** Adds one series' value during a scrape. */
export type Emit = (labels: Labels, value: number) => void;

/**
 * A metric whose series are read from the components at scrape time, not updated on the hot path:
 * goka-ts keeps its own counters, so a scrape costs one `stats()` call per component and nothing
 * happens between scrapes. Series of partitions a processor no longer owns disappear with the next
 * scrape, since every scrape starts from an empty metric.
 */
export function scrapedMetric(
  kind: 'gauge' | 'counter',
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly string[],
  fill: (emit: Emit) => void,
): Metric {
  if (kind === 'gauge') {
    const gauge: Gauge = new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      collect: () => {
        gauge.reset();
        fill((labels, value) => gauge.set(labels, value));
      },
    });
    return gauge;
  }
  // Counters: goka-ts' counts only grow while a component lives; they start again from 0 when a
  // processor is run again, which Prometheus' rate() treats as a counter reset.
  const counter: Counter = new Counter({
    name,
    help,
    labelNames,
    registers: [registry],
    collect: () => {
      counter.reset();
      fill((labels, value) => counter.inc(labels, Math.max(0, value)));
    },
  });
  return counter;
}
