/**
 * librdkafka's statistics document (see librdkafka's STATISTICS.md), emitted every
 * `statistics.interval.ms` by each producer, consumer and reader. Only the identifying fields are
 * typed; the rest (brokers, topics, partitions, consumer group, ...) is passed through as parsed.
 */
export interface RdKafkaStatistics {
  /** librdkafka handle name, e.g. `"goka-ts#consumer-3"`. */
  readonly name: string;
  readonly client_id: string;
  readonly type: 'producer' | 'consumer';
  /** Wall clock time in seconds since the epoch. */
  readonly time: number;
  readonly [field: string]: unknown;
}

export type StatisticsListener = (stats: RdKafkaStatistics) => void;

/** Fans statistics of every client created by one adapter instance out to its listeners. */
export class StatisticsHub {
  private readonly listeners = new Set<StatisticsListener>();

  constructor(initial?: StatisticsListener) {
    if (initial) this.listeners.add(initial);
  }

  get active(): boolean {
    return this.listeners.size > 0;
  }

  subscribe(listener: StatisticsListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Parses librdkafka's JSON only when someone listens. */
  publish(json: string): void {
    if (this.listeners.size === 0) return;
    const stats = JSON.parse(json) as RdKafkaStatistics;
    for (const listener of this.listeners) listener(stats);
  }
}
