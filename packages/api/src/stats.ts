/** Life cycle of a table partition (processor table, joined table, or view partition). */
export type PartitionStatus = 'stopped' | 'initializing' | 'connecting' | 'recovering' | 'preparing' | 'running' | 'failed';

/** Life cycle of a processor, view or emitter. */
export type ComponentState = 'idle' | 'starting' | 'recovering' | 'running' | 'stopping' | 'stopped' | 'failed';

export interface TableStats {
  readonly status: PartitionStatus;
  /** Behind the high watermark with no record for 2 minutes. */
  readonly stalled: boolean;
  readonly recovery: {
    readonly startTime?: number;
    readonly durationMs?: number;
    /** Offset recovery started from. */
    readonly startOffset: number;
    /** Last table offset applied locally. */
    readonly offset: number;
    readonly highWatermark: number;
    readonly records: number;
  };
  /** Table writes by the processor (setValue / delete). */
  readonly writes: number;
}

export interface InputStats {
  readonly count: number;
  readonly bytes: number;
  readonly lastOffset: number;
  readonly lag: number;
  /** Time between a message's timestamp and its processing, of the last message (ms). */
  readonly delayMs: number;
  /** Messages that failed and were skipped by the error policy (`onError: 'skip'`). */
  readonly skipped: number;
  /** Messages that failed and were parked in a dead-letter topic (counted once Kafka acknowledged them). */
  readonly deadLettered: number;
}

export interface OutputStats {
  readonly count: number;
  readonly bytes: number;
}

export interface PartitionProcessorStats {
  readonly table?: TableStats;
  readonly joined: Readonly<Record<string, TableStats>>;
  readonly input: Readonly<Record<string, InputStats>>;
  readonly output: Readonly<Record<string, OutputStats>>;
}

export interface ProcessorStats {
  readonly group: string;
  /** Topic of the group table (`PartitionProcessorStats.table`), when the group persists one. */
  readonly tableTopic?: string;
  readonly state: ComponentState;
  readonly partitions: Readonly<Record<number, PartitionProcessorStats>>;
  readonly lookups: Readonly<Record<string, ViewStats>>;
}

export interface ViewStats {
  readonly table: string;
  readonly state: ComponentState;
  readonly partitions: Readonly<Record<number, TableStats>>;
}

/** Counts and total time of one storage operation kind (see the storage instrumentation wrapper). */
export interface StorageOperationStats {
  readonly count: number;
  readonly errors: number;
  readonly totalMs: number;
}
