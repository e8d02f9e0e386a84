import { GokaError, type GroupConsumerConfig } from '@goka-ts/api';

/** Defaults of {@link GroupConsumerConfig} for the adapters (Sarama's session timeout, a short fetch wait). */
export const GROUP_DEFAULTS = { sessionTimeoutMs: 10000, heartbeatIntervalMs: 3000, rebalanceTimeoutMs: 60000, maxWaitMs: 500 };

/** A {@link GroupConsumerConfig} checked and completed with {@link GROUP_DEFAULTS}. */
export interface GroupSettings {
  /** Names the consumer in errors, e.g. `kafkajs group consumer "counter"`. */
  readonly name: string;
  /** The config's topics, each once. */
  readonly topics: readonly string[];
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly rebalanceTimeoutMs: number;
  readonly maxWaitMs: number;
}

/** Who checks a group config, and what it says when asked for what it cannot do. */
export interface GroupClientIdentity {
  /** The client, as errors name it: `kafkajs`, `platformatic`. */
  readonly client: string;
  /** Why the client refuses `cooperative` rebalancing and what to do instead. */
  readonly cooperativeRefusal: string;
}

/**
 * Checks a group consumer's config (a group id, topics each named once, no cooperative rebalancing
 * for eager-only clients, a heartbeat within the session) and fills in the defaults. The heartbeat
 * defaults to a third of the session when that is shorter than the default's, as Kafka advises.
 */
export function resolveGroupConfig(config: GroupConsumerConfig, identity: GroupClientIdentity): GroupSettings {
  if (!config.groupId) throw new GokaError(`${identity.client} group consumer: groupId must not be empty`);
  const name = `${identity.client} group consumer "${config.groupId}"`;
  if (config.cooperative) throw new GokaError(`${name}: ${identity.cooperativeRefusal}`);
  if (!config.topics.length) throw new GokaError(`${name}: at least one topic is needed`);
  if (new Set(config.topics).size !== config.topics.length) throw new GokaError(`${name}: topics listed twice: ${config.topics.join(', ')}`);
  const sessionTimeoutMs = config.sessionTimeoutMs ?? GROUP_DEFAULTS.sessionTimeoutMs;
  const heartbeatIntervalMs = config.heartbeatIntervalMs ?? Math.min(GROUP_DEFAULTS.heartbeatIntervalMs, Math.floor(sessionTimeoutMs / 3));
  if (heartbeatIntervalMs >= sessionTimeoutMs) {
    throw new GokaError(`${name}: heartbeatIntervalMs (${heartbeatIntervalMs}) must be below sessionTimeoutMs (${sessionTimeoutMs})`);
  }
  return {
    name,
    topics: [...config.topics],
    sessionTimeoutMs,
    heartbeatIntervalMs,
    rebalanceTimeoutMs: config.rebalanceTimeoutMs ?? GROUP_DEFAULTS.rebalanceTimeoutMs,
    maxWaitMs: config.maxWaitMs ?? GROUP_DEFAULTS.maxWaitMs,
  };
}
