import type { Codec, ComponentState } from '@goka-ts/api';

/**
 * The record every component of a service publishes at a fixed interval to the fleet's compacted
 * heartbeat topic (the tips page's "heartbeats into a special Kafka topic"). Readers build the
 * global graph from the latest heartbeat per key; a tombstone (null value) says the component
 * stopped cleanly, and a heartbeat older than a few intervals marks the instance stale.
 */
export interface Heartbeat {
  /** Format version, so a fleet page can skip records of a newer writer it does not understand. */
  readonly version: 1;
  /** The service (deployable) the component belongs to. */
  readonly service: string;
  /** One running copy of the service, e.g. host name and pid. */
  readonly instance: string;
  readonly kind: 'processor' | 'view' | 'emitter';
  /** The group of a processor; the table of a view; the topic of an emitter. */
  readonly name: string;
  /** The topics the component touches, by edge kind. */
  readonly topics: HeartbeatTopics;
  readonly state: ComponentState;
  /** Partitions this instance holds (processor: assigned; view: all it serves). */
  readonly partitions: readonly number[];
  /** Records behind the high watermarks, summed over this instance's partitions (0 if unknown). */
  readonly lag: number;
  /** Time of writing, epoch milliseconds. */
  readonly at: number;
  /** The writer's interval: a reader marks the component stale after a few of these without news. */
  readonly intervalMs: number;
}

/** A component's topics by the kind of edge that connects it to them. */
export interface HeartbeatTopics {
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly loop?: string;
  readonly table?: string;
  readonly joins: readonly string[];
  readonly lookups: readonly string[];
}

/** Default name of the fleet's heartbeat topic. */
export const DEFAULT_HEARTBEAT_TOPIC = 'goka-ts-heartbeats';

/**
 * Key of a component's heartbeats: one latest record per service instance and component, which
 * compaction keeps.
 */
export function heartbeatKey(h: Pick<Heartbeat, 'service' | 'instance' | 'kind' | 'name'>): string {
  return `${h.service}/${h.instance}/${h.kind}/${h.name}`;
}

const KINDS = new Set(['processor', 'view', 'emitter']);

/** JSON codec of {@link Heartbeat} that rejects records that are not heartbeats with the field at fault. */
export const heartbeatCodec: Codec<Heartbeat> = {
  name: 'heartbeat',
  encode: (value) => Buffer.from(JSON.stringify(value)),
  decode: (data) => {
    const value = JSON.parse(data.toString('utf8')) as Partial<Heartbeat>;
    const bad = (field: string): never => {
      throw new Error(`not a goka-ts heartbeat: field "${field}" is missing or has the wrong type`);
    };
    if (typeof value !== 'object' || value === null) bad('(record)');
    if (value.version !== 1) bad('version');
    for (const field of ['service', 'instance', 'name', 'state'] as const) if (typeof value[field] !== 'string') bad(field);
    if (!KINDS.has(value.kind as string)) bad('kind');
    for (const field of ['lag', 'at', 'intervalMs'] as const) if (typeof value[field] !== 'number') bad(field);
    if (!Array.isArray(value.partitions)) bad('partitions');
    const topics = value.topics;
    if (typeof topics !== 'object' || topics === null) bad('topics');
    for (const field of ['inputs', 'outputs', 'joins', 'lookups'] as const) if (!Array.isArray(topics![field])) bad(`topics.${field}`);
    return value as Heartbeat;
  },
};
