import type { KafkaClient } from '@goka-ts/api';
import { silentLogger, TopicManager } from '@goka-ts/core';
import { kafkajsClient } from '@goka-ts/kafkajs';
import type { FleetComponentNode, FleetGraph } from '@goka-ts/web';
import { brokersFromEnv, uniqueName, waitFor } from '@goka-ts/test-support';
import { killAll, runningUrl, startServiceProcess, type ServiceProcess } from './support/service_process';

const INTERVAL_MS = 1000;

/** The promise: a service started from flags shows up on another service's fleet page. */
describe('the fleet of two service processes', () => {
  const id = uniqueName('fleet');
  const beatsTopic = `${id}-beats`;
  const processes: ServiceProcess[] = [];
  let brokers: string[] = [];
  let client: KafkaClient;

  const run = (name: string, extra: string[] = []) => {
    const p = startServiceProcess(['--brokers', brokers.join(','), '--service', `${id}-${name}`, '--instance', 'i1', '--web-port', '0',
      '--heartbeat-topic', beatsTopic, '--heartbeat-interval', String(INTERVAL_MS), '--grace-period', '10000',
      '--input', `${id}-${name}-in`, '--group', `${id}-${name}`, '--log-level', 'error', ...extra]);
    processes.push(p);
    return p;
  };
  const fleet = async (base: string) => (await (await fetch(`${base}/api/fleet`)).json()) as FleetGraph;
  const componentsOf = (graph: FleetGraph, service: string) =>
    graph.nodes.filter((n): n is FleetComponentNode => n.type === 'component' && n.service === service);

  beforeAll(async () => {
    brokers = brokersFromEnv();
    client = kafkajsClient({ brokers });
    const manager = await TopicManager.connect(client, { logger: silentLogger });
    for (const name of ['a', 'b', 'c', 'e', 'ka', 'kb']) await manager.ensureStream(`${id}-${name}-in`, 2);
    await manager.close();
  });

  afterAll(() => killAll(processes));

  it('shows service B on A\'s fleet page within two heartbeat intervals, and drops it after B stops on SIGTERM', async () => {
    const a = run('a');
    const aUrl = await runningUrl(a);
    const b = run('b');
    await runningUrl(b);
    const bRunningAt = Date.now();

    const seen = await waitFor('service B on A\'s fleet page', async () => {
      const graph = await fleet(aUrl);
      const nodes = componentsOf(graph, `${id}-b`);
      return nodes.length === 3 && nodes.every((n) => n.instances.some((i) => i.state === 'running')) ? { graph, nodes } : undefined;
    }, 20_000, 50);
    const delayMs = Date.now() - bRunningAt;
    expect(delayMs).toBeLessThanOrEqual(2 * INTERVAL_MS);

    // B's processor, view and emitter, each with its one instance, and the edges through its topics.
    expect(seen.nodes.map((n) => `${n.kind}/${n.name}`).sort()).toEqual([`emitter/${id}-b-in`, `processor/${id}-b`, `view/${id}-b-table`]);
    const processor = seen.nodes.find((n) => n.kind === 'processor')!;
    expect(processor.instances).toEqual([expect.objectContaining({ instance: 'i1', state: 'running', stale: false, intervalMs: INTERVAL_MS })]);
    expect([...processor.instances[0]!.partitions].sort()).toEqual([0, 1]);
    expect(seen.graph.edges).toEqual(expect.arrayContaining([
      { from: `${id}-b/emitter/${id}-b-in`, to: `topic/${id}-b-in`, kind: 'output' },
      { from: `topic/${id}-b-in`, to: processor.id, kind: 'input' },
      { from: processor.id, to: `topic/${id}-b-table`, kind: 'table' },
      { from: `topic/${id}-b-table`, to: `${id}-b/view/${id}-b-table`, kind: 'table' },
    ]));
    // A sees itself too: one graph for the whole fleet.
    expect(componentsOf(seen.graph, `${id}-a`)).toHaveLength(3);

    b.child.kill('SIGTERM');
    expect(await b.exit).toBe(0);
    await waitFor('service B gone from A\'s fleet page (tombstones)', async () => componentsOf(await fleet(aUrl), `${id}-b`).length === 0, 10_000, 50);
    expect(componentsOf(await fleet(aUrl), `${id}-a`)).toHaveLength(3);

    a.child.kill('SIGTERM');
    expect(await a.exit).toBe(0);
  });

  it('marks a SIGKILLed service stale after three intervals without a heartbeat, and keeps showing it', async () => {
    const a = run('ka');
    const aUrl = await runningUrl(a);
    const b = run('kb');
    await runningUrl(b);
    await waitFor('service kb on ka\'s fleet page', async () => componentsOf(await fleet(aUrl), `${id}-kb`).length === 3, 20_000, 50);
    b.child.kill('SIGKILL');
    const killedAt = Date.now();
    expect(await b.exit).toBeNull();
    const stale = await waitFor('kb marked stale', async () => {
      const nodes = componentsOf(await fleet(aUrl), `${id}-kb`);
      return nodes.length === 3 && nodes.every((n) => n.instances.every((i) => i.stale)) ? nodes : undefined;
    }, 20_000, 100);
    // No tombstone after a kill: the instance stays, stale, with the state it last reported.
    expect(Date.now() - killedAt).toBeLessThanOrEqual(5 * INTERVAL_MS);
    expect(stale.find((n) => n.kind === 'processor')!.instances[0]).toMatchObject({ instance: 'i1', state: 'running', stale: true });
    expect(componentsOf(await fleet(aUrl), `${id}-ka`).every((n) => n.instances.every((i) => !i.stale))).toBe(true);
    a.child.kill('SIGTERM');
    expect(await a.exit).toBe(0);
  });

  it('has no fleet page with --no-fleet or GOKA_FLEET=false, and still publishes its heartbeats', async () => {
    const c = run('c', ['--no-fleet']);
    const cUrl = await runningUrl(c);
    const response = await fetch(`${cUrl}/api/fleet`);
    expect(response.status).toBe(404);
    const d = startServiceProcess(['--brokers', brokers.join(','), '--service', `${id}-d`, '--web-port', '0', '--heartbeat-topic', beatsTopic,
      '--heartbeat-interval', String(INTERVAL_MS), '--input', `${id}-c-in`, '--group', `${id}-d`, '--log-level', 'error'], { GOKA_FLEET: 'false' });
    processes.push(d);
    const dUrl = await runningUrl(d);
    const refused = await fetch(`${dUrl}/api/fleet`);
    expect(refused.status).toBe(404);
    // The page itself stays (the nav links to it) and shows this error from its API.
    expect(((await refused.json()) as { error: string }).error).toContain('no fleet configured');

    // Outside the fleet page is not outside the fleet: a third service with the page sees both.
    const e = run('e');
    const eUrl = await runningUrl(e);
    await waitFor('c and d on e\'s fleet page', async () => {
      const graph = await fleet(eUrl);
      return componentsOf(graph, `${id}-c`).length === 3 && componentsOf(graph, `${id}-d`).length === 3;
    }, 10_000, 50);

    for (const p of [c, d, e]) p.child.kill('SIGTERM');
    expect(await Promise.all([c.exit, d.exit, e.exit])).toEqual([0, 0, 0]);
  });
});
