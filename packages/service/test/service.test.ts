import type { KafkaClient } from '@goka-ts/api';
import { defineGroup, heartbeatCodec, int64Codec, silentLogger, stringCodec, TopicManager, View, type Heartbeat } from '@goka-ts/core';
import { kafkajsClient } from '@goka-ts/kafkajs';
import { brokersFromEnv, uniqueName, waitFor } from '@goka-ts/test-support';
import { Service } from '../src';

const INTERVAL_MS = 500;
const consumer = { sessionTimeoutMs: 6000, heartbeatIntervalMs: 500, maxWaitMs: 100 };

describe('a service on the real broker', () => {
  const id = uniqueName('svc');
  const input = `${id}-in`;
  const lookupTable = `${id}-lookup`;
  const beatsTopic = `${id}-beats`;
  const token = 'secret-token-0123456789';
  let client: KafkaClient;
  let service: Service;
  let startedAt: number;
  let beats: View<Heartbeat>;
  const usersGraph = defineGroup(`${id}-users`, { inputs: { [input]: { codec: stringCodec, handler: (ctx) => ctx.setValue((ctx.value() ?? 0) + 1) } }, persist: int64Codec });
  const statsGraph = defineGroup(`${id}-stats`, {
    inputs: { [input]: { codec: stringCodec, handler: (ctx) => ctx.loopback(ctx.key, 'x') } },
    loop: { codec: stringCodec, handler: (ctx) => ctx.emit(`${id}-out`, ctx.key, ctx.join(usersGraph.tableTopic) ?? 0) },
    persist: stringCodec,
    outputs: { [`${id}-out`]: int64Codec },
    joins: { [usersGraph.tableTopic]: int64Codec },
    lookups: { [lookupTable]: stringCodec },
  });

  beforeAll(async () => {
    const brokers = brokersFromEnv();
    client = kafkajsClient({ brokers });
    const manager = await TopicManager.connect(client, { logger: silentLogger });
    await manager.ensureStream(input, 2);
    await manager.ensureStream(`${id}-out`, 2);
    await manager.ensureTable(lookupTable, 1);
    await manager.close();

    service = await Service.create({
      argv: ['--brokers', brokers.join(','), '--service', 'shop', '--instance', 'i1', '--web-port', '0', '--web-token', token,
        '--heartbeat-topic', beatsTopic, '--heartbeat-interval', String(INTERVAL_MS), '--log-level', 'silent'],
      env: {},
    });
    service.processor(statsGraph, { consumer, startFrom: 'oldest' });
    service.viewOf(usersGraph);
    service.processor(usersGraph, { consumer, startFrom: 'oldest' });
    service.emitter(input, stringCodec);
    expect(service.readiness().ok).toBe(false);
    await service.start();
    startedAt = Date.now();
  });

  afterAll(async () => {
    await beats?.stop();
    await service?.stop();
  });

  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${service.url}${path}`, { headers });

  it('starts views after the processor that writes their table and before the processors reading it', () => {
    expect(service.state).toBe('running');
    expect(service.startOrder).toEqual([[`processor "${usersGraph.group}"`], [`view "${usersGraph.tableTopic}"`], [`processor "${statsGraph.group}"`]]);
  });

  it('answers /healthz and /readyz with 200 and JSON once every component is recovered', async () => {
    const live = await get('/healthz');
    expect(live.status).toBe(200);
    expect(await live.json()).toMatchObject({ status: 'ok', service: 'shop', instance: 'i1' });
    const ready = await get('/readyz');
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as { components: { kind: string; state: string }[] };
    expect(body.components.map((c) => c.kind).sort()).toEqual(['emitter', 'processor', 'processor', 'view']);
    expect(body.components.every((c) => c.state === 'running')).toBe(true);
  });

  it('serves /metrics and the monitor of every component on the same address', async () => {
    const metrics = await (await get('/metrics')).text();
    expect(metrics).toContain(`goka_processor_state{group="${statsGraph.group}",state="running"} 1`);
    expect(metrics).toContain(`goka_view_state{table="${usersGraph.tableTopic}",state="running"} 1`);
    const components = (await (await get('/api/components')).json()) as { processors: { group: string }[]; views: { table: string }[] };
    expect(components.processors.map((p) => p.group).sort()).toEqual([statsGraph.group, usersGraph.group].sort());
    expect(components.views.map((v) => v.table)).toEqual([usersGraph.tableTopic]);
    expect((await get('/')).status).toBe(200);
  });

  it('publishes heartbeats with the topics of every edge kind to a compacted topic within two intervals', async () => {
    beats = new View(beatsTopic, heartbeatCodec, { client, logger: silentLogger });
    void beats.run();
    await beats.waitRunning();
    const keyOf = (kind: string, name: string) => `shop/i1/${kind}/${name}`;
    const stats = await waitFor('the heartbeats of all four components', async () => {
      const all = await Promise.all([keyOf('processor', statsGraph.group), keyOf('processor', usersGraph.group), keyOf('view', usersGraph.tableTopic), keyOf('emitter', input)].map((k) => beats.get(k)));
      return all.every((h) => h !== undefined && h.at >= startedAt) ? all : undefined;
    }, 2 * INTERVAL_MS + 1000);
    expect(stats[0]).toMatchObject({
      version: 1, kind: 'processor', name: statsGraph.group, state: 'running', intervalMs: INTERVAL_MS,
      topics: { inputs: [input], outputs: [`${id}-out`], loop: `${id}-stats-loop`, table: `${id}-stats-table`, joins: [usersGraph.tableTopic], lookups: [lookupTable] },
    });
    expect([...stats[0]!.partitions].sort()).toEqual([0, 1]);
    expect(stats[2]).toMatchObject({ kind: 'view', topics: { inputs: [], outputs: [], table: usersGraph.tableTopic, joins: [], lookups: [] }, partitions: [0, 1] });
    expect(stats[3]).toMatchObject({ kind: 'emitter', topics: { inputs: [], outputs: [input] }, partitions: [], lag: 0 });
    const admin = client.admin();
    await admin.connect();
    const description = await admin.describeTopic(beatsTopic);
    await admin.close();
    expect(description?.config['cleanup.policy']).toBe('compact');
  });

  it('refuses profiling without the token and returns a CPU profile and a heap snapshot with it', async () => {
    expect((await get('/debug/profile?seconds=0.2')).status).toBe(401);
    expect((await get('/debug/heap', { Authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await get('/debug/profile?seconds=999', { Authorization: `Bearer ${token}` })).status).toBe(400);
    const profile = await get('/debug/profile?seconds=0.2', { Authorization: `Bearer ${token}` });
    expect(profile.status).toBe(200);
    const body = (await profile.json()) as { nodes: unknown[]; startTime: number; endTime: number };
    expect(body.nodes.length).toBeGreaterThan(0);
    expect(body.endTime - body.startTime).toBeGreaterThanOrEqual(150_000); // microseconds
    const heap = await get('/debug/heap', { Authorization: `Bearer ${token}` });
    expect(heap.status).toBe(200);
    const snapshot = (await heap.json()) as { snapshot: { node_count: number } };
    expect(snapshot.snapshot.node_count).toBeGreaterThan(1000);
  });

  it('stops in reverse order and leaves a tombstone per component', async () => {
    await service.stop();
    expect(service.state).toBe('stopped');
    await waitFor('the tombstones', async () => (await beats.get(`shop/i1/processor/${statsGraph.group}`)) === undefined && (await beats.get(`shop/i1/emitter/${input}`)) === undefined, 10_000);
    expect(service.liveness().ok).toBe(false);
  });
});
