/**
 * What a test tells a worker process (its configuration, in the `GOKA_WORKER` environment variable)
 * and what the worker reports back over the IPC channel of `child_process.fork`.
 */
import type { ComponentState } from '@goka-ts/api';

/** Environment variable that carries a worker's {@link CounterWorkerConfig} as JSON. */
export const WORKER_CONFIG_ENV = 'GOKA_WORKER';

/** The client adapters a counter worker can run on; the kill tests run each of them. */
export const WORKER_CLIENTS = ['kafkajs', 'confluent', 'platformatic'] as const;
export type WorkerClient = (typeof WORKER_CLIENTS)[number];

/** Configuration of the counter worker (`dist/workers/counter_worker.js`). */
export interface CounterWorkerConfig {
  /** The client adapter the worker's processor runs on. Default `'kafkajs'`. */
  readonly client?: WorkerClient;
  readonly brokers: readonly string[];
  readonly group: string;
  readonly input: string;
  /** Consumer-group settings; short session timeouts let a killed worker's partitions move quickly. */
  readonly consumer?: {
    readonly sessionTimeoutMs?: number;
    readonly heartbeatIntervalMs?: number;
    readonly rebalanceTimeoutMs?: number;
    readonly maxWaitMs?: number;
  };
  readonly commitIntervalMs?: number;
  /** Restart after transient Kafka errors (with these backoff bounds). */
  readonly restart?: { readonly initialBackoffMs?: number; readonly maxBackoffMs?: number };
  /** Processing guarantee of the worker's processor. Default `'at-least-once'`. */
  readonly guarantee?: 'at-least-once' | 'exactly-once';
  /** Local storage: a LevelDB directory (kept across kills, as a disk would be) instead of memory. */
  readonly leveldbPath?: string;
  /** An output topic the counter also emits every input key to (an independent count of its emits). */
  readonly output?: string;
  /**
   * A file the worker overwrites with its processed count inside every callback, before any effect of
   * that message can reach Kafka. Unlike the last progress report, it survives a SIGKILL up to date.
   */
  readonly processedFile?: string;
  /** How often progress is reported while it changes (ms). Default 100. */
  readonly progressIntervalMs?: number;
}

/** Messages from a worker to its parent. */
export type WorkerReport =
  | { readonly type: 'state'; readonly state: ComponentState }
  /** The complete assignment after a rebalance (once its partitions are recovered). */
  | { readonly type: 'assigned'; readonly partitions: readonly number[] }
  /** Messages the callback has seen so far in this process (including ones processed again). */
  | { readonly type: 'progress'; readonly processed: number }
  /** The processor stopped gracefully (after SIGTERM / SIGINT); the process exits with 0 next. */
  | { readonly type: 'stopped'; readonly processed: number }
  /** The processor failed; the process exits with 1 next. */
  | { readonly type: 'failed'; readonly processed: number; readonly error: string }
  /** A commit was just handed to the group consumer (only after an `announce-commit` command). */
  | { readonly type: 'commit-sent' };

/**
 * Moments of an exactly-once transaction at which a worker can SIGKILL itself: right after the
 * first record of a transaction was acknowledged (`'began'`), right before the commit is asked for
 * (`'before-commit'`: records and offsets are in the transaction), right after the commit (before
 * local storage applied it: `'after-commit'`).
 */
export type CrashPoint = 'began' | 'before-commit' | 'after-commit';

/** Messages from the parent to a worker. */
export type WorkerCommand =
  /** Report the next commit the moment it is issued, so the parent can freeze the process with it in flight. */
  | { readonly type: 'announce-commit' }
  /** SIGKILL yourself at the next such moment of any partition's transaction. */
  | { readonly type: 'crash-at'; readonly point: CrashPoint };
