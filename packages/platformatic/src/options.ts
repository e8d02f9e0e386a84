import type { Logger } from '@goka-ts/api';
import type { BaseOptions } from '@platformatic/kafka';

/** Options of {@link platformaticClient}. */
export interface PlatformaticClientOptions {
  /** Bootstrap brokers, e.g. `['127.0.0.1:9092']` (prefer `127.0.0.1` over `localhost`). */
  readonly brokers: readonly string[];
  /** Client id sent to the brokers. Default `"goka-ts"`. */
  readonly clientId?: string;
  /**
   * Raw `@platformatic/kafka` base options (tls, sasl, metadataMaxAge, ...), applied over the
   * adapter's defaults to every client it creates.
   */
  readonly platformatic?: Partial<Omit<BaseOptions, 'bootstrapBrokers' | 'clientId'>>;
  /** Where the adapter reports what it recovers from on its own (retried fetches). */
  readonly logger?: Logger;
  /** TCP connect timeout per attempt (ms). Default 2000. */
  readonly connectionTimeoutMs?: number;
  /** Timeout of a single request (ms). Default 30000. */
  readonly requestTimeoutMs?: number;
  /** Retries of a failed request before the operation fails. Default 3. */
  readonly retries?: number;
  /** Pause between retries (ms). Default 500. */
  readonly retryDelayMs?: number;
}

/** Everything the adapter derives from the options once. */
export interface ResolvedOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  /** Base options of every `@platformatic/kafka` client the adapter creates. */
  readonly base: BaseOptions;
  readonly logger?: Logger;
}

export function resolveOptions(options: PlatformaticClientOptions): ResolvedOptions {
  if (!options || !Array.isArray(options.brokers) || options.brokers.length === 0) {
    throw new TypeError('platformaticClient: options.brokers must be a non-empty array of "host:port" strings');
  }
  const clientId = options.clientId ?? 'goka-ts';
  const base: BaseOptions = {
    connectTimeout: options.connectionTimeoutMs ?? 2000,
    requestTimeout: options.requestTimeoutMs ?? 30000,
    timeout: options.requestTimeoutMs ?? 30000,
    // Bounded: an unreachable broker fails an operation within seconds instead of retrying for long.
    retries: options.retries ?? 3,
    retryDelay: options.retryDelayMs ?? 500,
    // goka-ts creates every topic it needs itself, with the right partitions and configs.
    autocreateTopics: false,
    ...options.platformatic,
    clientId,
    bootstrapBrokers: [...options.brokers],
  };
  return { brokers: options.brokers, clientId, base, logger: options.logger };
}
