import type { Logger } from '@goka-ts/api';
import { logLevel as KafkaJsLogLevel, type KafkaConfig, type RetryOptions } from 'kafkajs';
import { kafkajsLogCreator } from './log_creator';

/** kafkajs log levels by name; `'nothing'` silences kafkajs completely. */
export type KafkajsLogLevel = 'nothing' | 'error' | 'warn' | 'info' | 'debug';

/** Options of {@link kafkajsClient}. */
export interface KafkajsClientOptions {
  /** Bootstrap brokers, e.g. `['127.0.0.1:9092']` (prefer `127.0.0.1` over `localhost`). */
  readonly brokers: readonly string[];
  /** Client id sent to the brokers. Default `"goka-ts"`. */
  readonly clientId?: string;
  /**
   * Raw kafkajs configuration (ssl, sasl, socketFactory, retry, ...), applied over the adapter's
   * defaults. `retry` here replaces the adapter's bounded retry policy.
   */
  readonly kafkaJS?: Partial<KafkaConfig>;
  /**
   * Where kafkajs' own log lines go. Without a logger kafkajs is silent; with one, lines at
   * {@link logLevel} and above are forwarded.
   */
  readonly logger?: Logger;
  /** Lowest kafkajs level forwarded to {@link logger}. Default `'warn'`. */
  readonly logLevel?: KafkajsLogLevel;
  /** TCP connect timeout per attempt (ms). Default 2000. */
  readonly connectionTimeoutMs?: number;
  /** Timeout of a single request (ms). Default 30000. */
  readonly requestTimeoutMs?: number;
}

/** Everything the adapter derives from the options once. */
export interface ResolvedOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly kafkaConfig: KafkaConfig;
  /** The complete retry policy every kafkajs component uses (never kafkajs' NODE_ENV-dependent defaults). */
  readonly retry: Required<Omit<RetryOptions, 'restartOnFailure'>>;
  readonly logger?: Logger;
}

/**
 * Bounded by default: an unreachable broker fails after about 5 s of retries (refused) or
 * 5 attempts x connection timeout + 5 s (black-holed), instead of retrying for minutes.
 */
const DEFAULT_RETRY = { retries: 4, initialRetryTime: 300, maxRetryTime: 2500, factor: 0.2, multiplier: 2 };

const LEVELS: Record<KafkajsLogLevel, KafkaJsLogLevel> = {
  nothing: KafkaJsLogLevel.NOTHING,
  error: KafkaJsLogLevel.ERROR,
  warn: KafkaJsLogLevel.WARN,
  info: KafkaJsLogLevel.INFO,
  debug: KafkaJsLogLevel.DEBUG,
};

export function resolveOptions(options: KafkajsClientOptions): ResolvedOptions {
  if (!options || !Array.isArray(options.brokers) || options.brokers.length === 0) {
    throw new TypeError('kafkajsClient: options.brokers must be a non-empty array of "host:port" strings');
  }
  const clientId = options.clientId ?? 'goka-ts';
  const retry = { ...DEFAULT_RETRY, ...options.kafkaJS?.retry };
  const level = options.logger ? LEVELS[options.logLevel ?? 'warn'] : KafkaJsLogLevel.NOTHING;
  const kafkaConfig: KafkaConfig = {
    clientId,
    connectionTimeout: options.connectionTimeoutMs ?? 2000,
    requestTimeout: options.requestTimeoutMs ?? 30000,
    logLevel: level,
    logCreator: kafkajsLogCreator(options.logger),
    ...options.kafkaJS,
    brokers: options.kafkaJS?.brokers ?? [...options.brokers],
    retry,
  };
  return { brokers: options.brokers, clientId, kafkaConfig, retry, logger: options.logger };
}
