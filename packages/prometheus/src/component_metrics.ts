import type { ComponentState, InputStats, PartitionStatus, TableStats } from '@goka-ts/api';
import type { Registry } from 'prom-client';
import { scrapedMetric, type Emit, type Metric } from './scraped_metric';
import type { ProcessorStatsSource, ViewStatsSource } from './sources';

const COMPONENT_STATES: readonly ComponentState[] = ['idle', 'starting', 'recovering', 'running', 'stopping', 'stopped', 'failed'];
const PARTITION_STATUSES: readonly PartitionStatus[] = ['stopped', 'initializing', 'connecting', 'recovering', 'preparing', 'running', 'failed'];

/** A table partition as seen at one scrape, with who holds it. */
interface TableRow {
  /** The group of the processor holding it; `""` for a view of its own. */
  readonly owner: string;
  readonly table: string;
  readonly partition: string;
  readonly stats: TableStats;
}

/**
 * Processor and view metrics: component state, per-partition input (messages, bytes, lag, delay,
 * last offset) and output (messages, bytes), and per table partition (group tables, joined tables,
 * lookup views and views) status, stalled flag, recovery progress and writes: the stats of the
 * semantics sheet, as Goka's monitor shows them.
 */
export class ComponentMetrics {
  readonly processors = new Set<ProcessorStatsSource>();
  readonly views = new Set<ViewStatsSource>();
  readonly metrics: Metric[] = [];

  constructor(registry: Registry, prefix: string) {
    const metric = (kind: 'gauge' | 'counter', name: string, help: string, labels: readonly string[], fill: (emit: Emit) => void) =>
      this.metrics.push(scrapedMetric(kind, registry, prefix + name, help, labels, fill));
    const input = ['group', 'topic', 'partition'];

    metric('gauge', 'processor_state', 'Processor life cycle state: 1 for the current one.', ['group', 'state'], (emit) => {
      for (const p of this.processors) {
        const { group, state } = p.stats();
        for (const s of COMPONENT_STATES) emit({ group, state: s }, s === state ? 1 : 0);
      }
    });
    metric('counter', 'processor_input_messages_total', 'Input messages processed, per input topic and partition.', input, (emit) =>
      this.eachInput((labels, s) => emit(labels, s.count)),
    );
    metric('counter', 'processor_input_bytes_total', 'Key and value bytes of the input messages processed.', input, (emit) =>
      this.eachInput((labels, s) => emit(labels, s.bytes)),
    );
    metric('counter', 'processor_input_skipped_total', "Input messages that failed and were skipped by the error policy (onError: 'skip').", input, (emit) =>
      this.eachInput((labels, s) => emit(labels, s.skipped)),
    );
    metric('counter', 'processor_input_dead_lettered_total', 'Input messages that failed and were parked in a dead-letter topic (acknowledged).', input, (emit) =>
      this.eachInput((labels, s) => emit(labels, s.deadLettered)),
    );
    metric('gauge', 'processor_input_lag', 'Messages between the last one processed and the high watermark.', input, (emit) =>
      this.eachInput((labels, s) => emit(labels, s.lag)),
    );
    metric('gauge', 'processor_input_delay_seconds', "Time between the last processed message's timestamp and its processing.", input, (emit) =>
      this.eachInput((labels, s) => emit(labels, s.delayMs / 1000)),
    );
    metric('gauge', 'processor_input_last_offset', 'Offset of the last input message processed.', input, (emit) =>
      this.eachInput((labels, s) => emit(labels, s.lastOffset)),
    );
    metric('counter', 'processor_output_messages_total', 'Messages emitted, per output topic (the loop included) and input partition.', input, (emit) =>
      this.eachOutput((labels, s) => emit(labels, s.count)),
    );
    metric('counter', 'processor_output_bytes_total', 'Key and value bytes of the messages emitted.', input, (emit) =>
      this.eachOutput((labels, s) => emit(labels, s.bytes)),
    );

    metric('gauge', 'view_state', 'View life cycle state: 1 for the current one.', ['table', 'state'], (emit) => {
      for (const v of this.views) {
        const { table, state } = v.stats();
        for (const s of COMPONENT_STATES) emit({ table, state: s }, s === state ? 1 : 0);
      }
    });

    const table = ['owner', 'table', 'partition'];
    metric('gauge', 'table_status', 'Table partition status: 1 for the current one.', [...table, 'status'], (emit) =>
      this.eachTable((labels, s) => {
        for (const status of PARTITION_STATUSES) emit({ ...labels, status }, status === s.status ? 1 : 0);
      }),
    );
    metric('gauge', 'table_stalled', '1 when the partition is behind its high watermark and got no record for 2 minutes.', table, (emit) =>
      this.eachTable((labels, s) => emit(labels, s.stalled ? 1 : 0)),
    );
    metric('gauge', 'table_offset', 'Last table offset applied to local storage.', table, (emit) =>
      this.eachTable((labels, s) => emit(labels, s.recovery.offset)),
    );
    metric('gauge', 'table_high_watermark', "The table partition's high watermark as last seen.", table, (emit) =>
      this.eachTable((labels, s) => emit(labels, s.recovery.highWatermark)),
    );
    metric('counter', 'table_recovered_records_total', 'Table records read from Kafka while recovering.', table, (emit) =>
      this.eachTable((labels, s) => emit(labels, s.recovery.records)),
    );
    metric('gauge', 'table_recovery_seconds', 'How long the last recovery took (or takes so far).', table, (emit) =>
      this.eachTable((labels, s) => {
        if (s.recovery.durationMs !== undefined) emit(labels, s.recovery.durationMs / 1000);
      }),
    );
    metric('counter', 'table_writes_total', 'Table writes (setValue / delete) by the processor.', table, (emit) =>
      this.eachTable((labels, s) => emit(labels, s.writes)),
    );
  }

  private eachInput(fn: (labels: Record<string, string>, s: InputStats) => void): void {
    for (const p of this.processors) {
      const { group, partitions } = p.stats();
      for (const [partition, pp] of Object.entries(partitions)) {
        for (const [topic, s] of Object.entries(pp.input)) fn({ group, topic, partition }, s);
      }
    }
  }

  private eachOutput(fn: (labels: Record<string, string>, s: { count: number; bytes: number }) => void): void {
    for (const p of this.processors) {
      const { group, partitions } = p.stats();
      for (const [partition, pp] of Object.entries(partitions)) {
        for (const [topic, s] of Object.entries(pp.output)) fn({ group, topic, partition }, s);
      }
    }
  }

  private eachTable(fn: (labels: Record<string, string>, s: TableStats) => void): void {
    for (const row of this.tables()) fn({ owner: row.owner, table: row.table, partition: row.partition }, row.stats);
  }

  private *tables(): Generator<TableRow> {
    for (const p of this.processors) {
      const { group, tableTopic, partitions, lookups } = p.stats();
      for (const [partition, pp] of Object.entries(partitions)) {
        if (pp.table) yield { owner: group, table: tableTopic ?? `${group}-table`, partition, stats: pp.table };
        for (const [table, stats] of Object.entries(pp.joined)) yield { owner: group, table, partition, stats };
      }
      for (const [table, view] of Object.entries(lookups)) {
        for (const [partition, stats] of Object.entries(view.partitions)) yield { owner: group, table, partition, stats };
      }
    }
    for (const v of this.views) {
      const { table, partitions } = v.stats();
      for (const [partition, stats] of Object.entries(partitions)) yield { owner: '', table, partition, stats };
    }
  }
}
