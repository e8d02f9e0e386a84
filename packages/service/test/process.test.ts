import type { KafkaClient } from '@goka-ts/api';
import { Emitter, heartbeatCodec, silentLogger, stringCodec, TopicManager, View, type Heartbeat } from '@goka-ts/core';
import { kafkajsClient } from '@goka-ts/kafkajs';
import { brokersFromEnv, uniqueName, waitFor } from '@goka-ts/test-support';
import { killAll, runningUrl as url, startServiceProcess as start, type ServiceProcess } from './support/service_process';

describe('a service process', () => {
  let brokers: string[] = [];
  let client: KafkaClient;
  const id = uniqueName('svcproc');
  const beatsTopic = `${id}-beats`;
  const children: ServiceProcess[] = [];
  let beats: View<Heartbeat>;

  const run = (name: string, extra: string[] = []) => {
    const input = `${id}-${name}-in`;
    const p = start(['--brokers', brokers.join(','), '--service', `${id}-${name}`, '--instance', 'a', '--web-port', '0', '--heartbeat-topic', beatsTopic,
      '--heartbeat-interval', '300', '--grace-period', '10000', '--input', input, '--group', `${id}-${name}`, ...extra]);
    children.push(p);
    return { ...p, input };
  };

  beforeAll(async () => {
    brokers = brokersFromEnv();
    client = kafkajsClient({ brokers });
    const manager = await TopicManager.connect(client, { logger: silentLogger });
    for (const name of ['term', 'fail', 'grace']) await manager.ensureStream(`${id}-${name}-in`, 2);
    await manager.ensureTable(beatsTopic, 1);
    await manager.close();
    beats = new View(beatsTopic, heartbeatCodec, { client, logger: silentLogger });
    void beats.run();
    await beats.waitRunning();
  });

  afterAll(async () => {
    killAll(children);
    await beats?.stop();
  });

  it('stops on SIGTERM with exit code 0 and leaves tombstones; refuses profiling without a token', async () => {
    const p = run('term');
    const base = await url(p);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    expect((await fetch(`${base}/debug/heap`)).status).toBe(403);
    const key = `${id}-term/a/processor/${id}-term`;
    await waitFor('the heartbeat', () => beats.get(key), 5_000);
    p.child.kill('SIGTERM');
    expect(await p.exit).toBe(0);
    expect(p.stdout()).toContain('exited cleanly');
    await waitFor('the tombstones', async () => {
      const left = await Promise.all(['processor', 'view', 'emitter'].map((kind) => beats.get(`${id}-term/a/${kind}/${kind === 'view' ? `${id}-term-table` : kind === 'emitter' ? p.input : `${id}-term`}`)));
      return left.every((h) => h === undefined);
    }, 5_000);
  });

  it('exits non-zero naming the component that failed while running, and stops the rest', async () => {
    const p = run('fail');
    await url(p);
    const emitter = new Emitter(p.input, stringCodec, { client, logger: silentLogger });
    await emitter.emitSync('k', 'boom');
    await emitter.finish();
    expect(await p.exit).toBe(1);
    expect(p.stderr()).toContain(`processor "${id}-fail" failed`);
    expect(p.stderr()).toContain('the fixture was told to fail');
    const last = await waitFor('the last heartbeat', async () => {
      const h = await beats.get(`${id}-fail/a/processor/${id}-fail`);
      return h?.state === 'failed' ? h : undefined;
    }, 5_000);
    expect(last.state).toBe('failed');
  });

  it('cuts a stop longer than the grace period short with a non-zero exit', async () => {
    const p = run('grace', ['--grace-period', '1']);
    await url(p);
    p.child.kill('SIGTERM');
    expect(await p.exit).toBe(1);
    expect(p.stderr()).toContain('stop did not finish within 1 ms (stop cut short)');
  });

  it('exits with code 2 and names the flag for a bad one; prints --help', async () => {
    const bad = start(['--web-port', 'eighty']);
    expect(await bad.exit).toBe(2);
    expect(bad.stderr()).toContain('--web-port: must be an integer from 0 to 65535, got "eighty"');
    const help = start(['--help']);
    expect(await help.exit).toBe(0);
    expect(help.stdout()).toContain('--heartbeat-interval <value>');
  });
});
