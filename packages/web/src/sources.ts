import type { KeyCodec, ProcessorStats, ViewStats } from '@goka-ts/api';

/** A processor as the monitor sees it: a `Processor` of `@goka-ts/core`. */
export interface MonitoredProcessor {
  stats(): ProcessorStats;
  /** The group table value of a key this instance owns (the query page uses it). */
  get?(key: string): Promise<unknown>;
  /** How the group's keys are bytes (a query's `keyHex` is decoded with it). Default UTF-8. */
  readonly keyCodec?: KeyCodec;
}

/** A view as the monitor sees it: a `View` of `@goka-ts/core`. */
export interface MonitoredView {
  stats(): ViewStats;
  get(key: string): Promise<unknown>;
  /** How the table's keys are bytes (a query's `keyHex` is decoded with it). Default UTF-8. */
  readonly keyCodec?: KeyCodec;
}

/**
 * A named action operators can start (with a value) and stop from the actions page, as in Goka's
 * web package: e.g. "re-emit a key", "compact a table", "replay from an offset".
 */
export interface ActionSpec {
  readonly description?: string;
  /** Runs the action; `signal` aborts when an operator stops it. The action ends when this settles. */
  run(value: string, signal: AbortSignal): Promise<void> | void;
}
