import type { ComponentState } from '@goka-ts/api';
import type { Heartbeat } from '@goka-ts/core';

/** How a component touches a topic, as the heartbeat's `topics` say. */
export type FleetEdgeKind = 'input' | 'output' | 'loop' | 'table' | 'join' | 'lookup';

/** One running copy of a component, from its latest heartbeat. */
export interface FleetInstance {
  readonly instance: string;
  readonly state: ComponentState;
  readonly partitions: readonly number[];
  readonly lag: number;
  /** When the heartbeat was written (epoch ms). */
  readonly at: number;
  /** How old the heartbeat is at the time of the graph (ms). */
  readonly ageMs: number;
  readonly intervalMs: number;
  /** No heartbeat for more than {@link STALE_INTERVALS} of the writer's intervals. */
  readonly stale: boolean;
}

/** A processor group, a view or an emitter of one service, with the instances that run it. */
export interface FleetComponentNode {
  readonly type: 'component';
  /** `<service>/<kind>/<name>`. */
  readonly id: string;
  readonly service: string;
  readonly kind: Heartbeat['kind'];
  /** The group of a processor, the table of a view, the topic of an emitter. */
  readonly name: string;
  /** Ordered by instance name. */
  readonly instances: readonly FleetInstance[];
  /** Lag summed over the instances that are not stale. */
  readonly lag: number;
}

/** A Kafka topic some component touches. */
export interface FleetTopicNode {
  readonly type: 'topic';
  /** `topic/<name>`. */
  readonly id: string;
  readonly name: string;
}

export type FleetNode = FleetComponentNode | FleetTopicNode;

/** Data flow between a topic and a component: `from` is read by (or writes to) `to`. */
export interface FleetEdge {
  readonly from: string;
  readonly to: string;
  readonly kind: FleetEdgeKind;
}

/** The global graph of every running service. */
export interface FleetGraph {
  /** Components by id, then topics by name. */
  readonly nodes: readonly FleetNode[];
  /** Sorted by from, to, kind; no duplicates. */
  readonly edges: readonly FleetEdge[];
}

/** A component instance is stale after this many of its intervals without a heartbeat. */
export const STALE_INTERVALS = 3;

/**
 * The fleet graph of the latest heartbeat per key at time `now`: one node per component of a
 * service (its instances, each stale when `now - at > 3 × intervalMs`), one per topic, and an edge
 * per topic a component touches. Topics of different instances of a component are merged, so a
 * rolling deploy that adds a topic shows it at once. Tombstoned components are simply absent from
 * `heartbeats`.
 */
export function buildFleetGraph(heartbeats: Iterable<Heartbeat>, now: number): FleetGraph {
  const components = new Map<string, { service: string; kind: Heartbeat['kind']; name: string; instances: FleetInstance[] }>();
  const edges = new Map<string, FleetEdge>();
  const topics = new Set<string>();
  const link = (from: string, to: string, kind: FleetEdgeKind) => edges.set(`${from}\n${to}\n${kind}`, { from, to, kind });

  for (const h of heartbeats) {
    const id = componentId(h);
    let component = components.get(id);
    if (!component) {
      component = { service: h.service, kind: h.kind, name: h.name, instances: [] };
      components.set(id, component);
    }
    const ageMs = Math.max(0, now - h.at);
    component.instances.push({
      instance: h.instance,
      state: h.state,
      partitions: [...h.partitions].sort((a, b) => a - b),
      lag: h.lag,
      at: h.at,
      ageMs,
      intervalMs: h.intervalMs,
      stale: now - h.at > STALE_INTERVALS * h.intervalMs,
    });
    const reads = (topic: string, kind: FleetEdgeKind) => {
      topics.add(topic);
      link(topicId(topic), id, kind);
    };
    const writes = (topic: string, kind: FleetEdgeKind) => {
      topics.add(topic);
      link(id, topicId(topic), kind);
    };
    for (const t of h.topics.inputs) reads(t, 'input');
    for (const t of h.topics.outputs) writes(t, 'output');
    for (const t of h.topics.joins) reads(t, 'join');
    for (const t of h.topics.lookups) reads(t, 'lookup');
    if (h.topics.loop !== undefined) {
      writes(h.topics.loop, 'loop');
      reads(h.topics.loop, 'loop');
    }
    // A processor writes its group table; a view reads the table it copies.
    if (h.topics.table !== undefined) (h.kind === 'view' ? reads : writes)(h.topics.table, 'table');
  }

  const nodes: FleetNode[] = [...components]
    .sort(([a], [b]) => compare(a, b))
    .map(([id, c]): FleetComponentNode => {
      const instances = c.instances.sort((a, b) => compare(a.instance, b.instance));
      const lag = instances.reduce((sum, i) => (i.stale ? sum : sum + i.lag), 0);
      return { type: 'component', id, service: c.service, kind: c.kind, name: c.name, instances, lag };
    });
  for (const name of [...topics].sort(compare)) nodes.push({ type: 'topic', id: topicId(name), name });
  const sortedEdges = [...edges.values()].sort((a, b) => compare(a.from, b.from) || compare(a.to, b.to) || compare(a.kind, b.kind));
  return { nodes, edges: sortedEdges };
}

function componentId(h: Pick<Heartbeat, 'service' | 'kind' | 'name'>): string {
  return `${h.service}/${h.kind}/${h.name}`;
}

function topicId(name: string): string {
  return `topic/${name}`;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
