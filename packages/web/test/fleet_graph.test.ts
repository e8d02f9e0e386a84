import type { Heartbeat } from '@goka-ts/core';
import { buildFleetGraph, layoutFleet, type FleetComponentNode } from '../src';

const NOW = 1_000_000;

function beat(overrides: Partial<Heartbeat>): Heartbeat {
  return {
    version: 1,
    service: 'shop',
    instance: 'i1',
    kind: 'processor',
    name: 'orders',
    topics: { inputs: [], outputs: [], joins: [], lookups: [] },
    state: 'running',
    partitions: [],
    lag: 0,
    at: NOW - 100,
    intervalMs: 1000,
    ...overrides,
  };
}

const orders = (instance: string, extra: Partial<Heartbeat> = {}) =>
  beat({
    instance,
    topics: { inputs: ['order-requests'], outputs: ['order-events'], loop: 'orders-loop', table: 'orders-table', joins: ['users-table'], lookups: ['prices'] },
    ...extra,
  });

describe('buildFleetGraph', () => {
  it('makes one node per component with its instances and an edge per topic and kind', () => {
    const graph = buildFleetGraph(
      [
        orders('i2', { partitions: [3, 1], lag: 5 }),
        orders('i1', { partitions: [0, 2], lag: 2 }),
        beat({ service: 'users', kind: 'view', name: 'orders-table', topics: { inputs: [], outputs: [], table: 'orders-table', joins: [], lookups: [] } }),
        beat({ service: 'users', kind: 'emitter', name: 'order-requests', topics: { inputs: [], outputs: ['order-requests'], joins: [], lookups: [] } }),
      ],
      NOW,
    );
    expect(graph.nodes.map((n) => n.id)).toEqual([
      'shop/processor/orders',
      'users/emitter/order-requests',
      'users/view/orders-table',
      'topic/order-events',
      'topic/order-requests',
      'topic/orders-loop',
      'topic/orders-table',
      'topic/prices',
      'topic/users-table',
    ]);
    const processor = graph.nodes[0] as FleetComponentNode;
    expect(processor).toMatchObject({ service: 'shop', kind: 'processor', name: 'orders', lag: 7 });
    expect(processor.instances.map((i) => [i.instance, i.partitions, i.stale, i.ageMs])).toEqual([
      ['i1', [0, 2], false, 100],
      ['i2', [1, 3], false, 100],
    ]);
    const p = 'shop/processor/orders';
    expect(graph.edges).toEqual([
        { from: p, to: 'topic/order-events', kind: 'output' },
        { from: p, to: 'topic/orders-loop', kind: 'loop' },
        { from: p, to: 'topic/orders-table', kind: 'table' },
        { from: 'topic/order-requests', to: p, kind: 'input' },
        { from: 'topic/orders-loop', to: p, kind: 'loop' },
        { from: 'topic/orders-table', to: 'users/view/orders-table', kind: 'table' },
        { from: 'topic/prices', to: p, kind: 'lookup' },
        { from: 'topic/users-table', to: p, kind: 'join' },
        { from: 'users/emitter/order-requests', to: 'topic/order-requests', kind: 'output' },
    ]);
  });

  it('marks an instance stale after more than three of its intervals and leaves its lag out of the sum', () => {
    const graph = buildFleetGraph([orders('fresh', { lag: 1, at: NOW - 3000 }), orders('old', { lag: 50, at: NOW - 3001 })], NOW);
    const node = graph.nodes[0] as FleetComponentNode;
    expect(node.instances.map((i) => [i.instance, i.stale])).toEqual([
      ['fresh', false],
      ['old', true],
    ]);
    expect(node.lag).toBe(1);
    // Each instance is judged by its own interval.
    expect((buildFleetGraph([orders('slow', { at: NOW - 3001, intervalMs: 2000 })], NOW).nodes[0] as FleetComponentNode).instances[0].stale).toBe(false);
  });

  it('merges the topics of instances that differ (a rolling deploy) and has no component for missing (tombstoned) keys', () => {
    const graph = buildFleetGraph([orders('i1'), orders('i2', { topics: { inputs: ['order-requests', 'order-retries'], outputs: [], joins: [], lookups: [] } })], NOW);
    expect(graph.edges.filter((e) => e.kind === 'input').map((e) => e.from)).toEqual(['topic/order-requests', 'topic/order-retries']);
    expect(buildFleetGraph([], NOW)).toEqual({ nodes: [], edges: [] });
  });
});

describe('layoutFleet', () => {
  it('places data flow left to right: input topic, processor, output topic, the next processor', () => {
    const graph = buildFleetGraph(
      [
        orders('i1'),
        beat({ name: 'billing', topics: { inputs: ['order-events'], outputs: [], joins: [], lookups: [] } }),
        beat({ name: 'audit', topics: { inputs: ['order-events'], outputs: [], joins: [], lookups: [] } }),
      ],
      NOW,
    );
    const layout = layoutFleet(graph);
    expect(layout['topic/order-requests'].column).toBe(0);
    expect(layout['shop/processor/orders'].column).toBe(1);
    expect(layout['topic/order-events'].column).toBe(2);
    expect(layout['topic/orders-loop'].column).toBe(2); // right of its processor, the edge back left out
    expect([layout['shop/processor/audit'], layout['shop/processor/billing']]).toEqual([
      { column: 3, row: 0 },
      { column: 3, row: 1 },
    ]);
  });

  it('ends on a cycle between groups', () => {
    const graph = buildFleetGraph(
      [
        beat({ name: 'a', topics: { inputs: ['x'], outputs: ['y'], joins: [], lookups: [] } }),
        beat({ name: 'b', topics: { inputs: ['y'], outputs: ['x'], joins: [], lookups: [] } }),
      ],
      NOW,
    );
    const layout = layoutFleet(graph);
    expect(Object.keys(layout)).toHaveLength(4);
    // Every node has a column no further than the longest path through all four.
    expect(Object.values(layout).map((p) => p.column).sort()).toEqual([0, 1, 2, 3]);
  });
});
