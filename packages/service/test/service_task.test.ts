import { defineGroup, heartbeatCodec, int64Codec, silentLogger, stringCodec, TopicManager, View, type Emitter } from '@goka-ts/core';
import { Service, serviceMain } from '../src';

// Tasks on the in-memory Kafka: when they start and stop, and how their end ends the service.
const counter = (group: string, input: string) =>
  defineGroup(group, { inputs: { [input]: { codec: stringCodec, handler: (ctx) => ctx.setValue((ctx.value() ?? 0) + 1) } }, persist: int64Codec });

async function serviceWith(name: string, argv: string[] = []): Promise<{ service: Service; emitter: Emitter<string>; view: View<number> }> {
  const service = await Service.create({ argv: ['--heartbeat-interval', '50', '--log-level', 'silent', ...argv], env: {}, defaults: { service: name } });
  const manager = await TopicManager.connect(service.client, { logger: silentLogger });
  await manager.ensureStream(`${name}-in`, 2);
  await manager.close();
  const graph = counter(`${name}-counter`, `${name}-in`);
  service.processor(graph, { startFrom: 'oldest' });
  const view = service.viewOf(graph);
  const emitter = service.emitter(`${name}-in`, stringCodec);
  return { service, emitter, view };
}

/** The heartbeats of `service` on its topic now (key: state), read through a view on its own client. */
async function heartbeats(service: Service): Promise<Record<string, string>> {
  const view = new View(service.config.heartbeatTopic, heartbeatCodec, { client: service.client, logger: silentLogger });
  const running = view.run();
  try {
    await view.waitRunning();
    const beats: Record<string, string> = {};
    for await (const [key, beat] of view.iterator()) if (key.startsWith(`${service.config.service}/`)) beats[key] = beat.state;
    return beats;
  } finally {
    await view.stop();
    await running;
  }
}

/** A task that ignores its signal until released; the release finishes the stop it held up. */
function stuckTask(service: Service): () => Promise<void> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  service.task('stuck', () => released);
  return async () => {
    release();
    await service.stop();
  };
}

describe('service tasks', () => {
  it('start once every component runs; a task that returns stops the service cleanly, with tombstones', async () => {
    const { service, emitter, view } = await serviceWith('job');
    let seen: { state: string; emitterState: string } | undefined;
    service.task('job', async () => {
      seen = { state: service.state, emitterState: emitter.state };
      await emitter.emitSync('a', 'click');
      while (((await view.get('a')) ?? 0) < 1) await new Promise((resolve) => setTimeout(resolve, 10));
    });
    const exit = await service.run();
    expect(exit).toEqual({ code: 0 });
    expect(seen).toEqual({ state: 'running', emitterState: 'running' });
    expect(service.state).toBe('stopped');
    expect(service.stopSignal.aborted).toBe(true);
    expect(await heartbeats(service)).toEqual({});
  });

  it('stop first, before the emitters finish: a serving task still sends while it winds down', async () => {
    const { service, emitter } = await serviceWith('serve');
    const order: string[] = [];
    service.task('api', async (signal) => {
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      order.push(`task aborted, service ${service.state}`);
      await emitter.emitSync('b', 'last words');
      order.push('task sent its last message');
    });
    await service.start();
    expect(service.stopSignal.aborted).toBe(false);
    await service.stop();
    expect(order).toEqual(['task aborted, service stopping', 'task sent its last message']);
    expect(service.state).toBe('stopped');
    expect(service.error).toBeUndefined();
  });

  it('a task that fails fails the service naming it; the last heartbeats stay (no tombstones after a failure)', async () => {
    const { service } = await serviceWith('failing');
    service.task('api', async () => {
      throw new Error('listen EADDRINUSE');
    });
    const exit = await service.run();
    expect(exit.code).toBe(1);
    expect(exit.failed).toBe('task "api"');
    expect(String(exit.error)).toContain('task "api" failed: listen EADDRINUSE');
    expect(service.state).toBe('failed');
    const instance = service.config.instance;
    expect(await heartbeats(service)).toEqual({
      [`failing/${instance}/processor/failing-counter`]: 'stopped',
      [`failing/${instance}/view/failing-counter-table`]: 'stopped',
      [`failing/${instance}/emitter/failing-in`]: 'stopped',
    });
  });

  it('a task that rejects with its signal\'s reason after the stop began ends cleanly; any other error after it makes the stop unclean', async () => {
    const clean = await serviceWith('aborted');
    clean.service.task('waits', (signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true })));
    await clean.service.start();
    await clean.service.stop();
    expect(clean.service.state).toBe('stopped');

    const unclean = await serviceWith('unclean');
    unclean.service.task('closes', (signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('close failed')), { once: true })));
    await unclean.service.start();
    await unclean.service.stop();
    expect(unclean.service.state).toBe('failed');
    expect(unclean.service.error?.message).toContain('task "closes" failed: close failed');
  });

  it('run() ends when stop() is called elsewhere', async () => {
    const { service } = await serviceWith('external');
    const exit = service.run({ onRunning: () => void service.stop() });
    expect(await exit).toEqual({ code: 0 });
  });

  it('a task that does not end within the grace period is cut short after it, naming the grace period', async () => {
    const { service } = await serviceWith('stuck', ['--grace-period', '300']);
    const release = stuckTask(service);
    const started = Date.now();
    const exit = await service.run({ onRunning: () => process.emit('SIGTERM', 'SIGTERM') });
    const took = Date.now() - started;
    expect(exit).toMatchObject({ code: 1, forced: true });
    expect(String(exit.error)).toContain('service "stuck": stop did not finish within 300 ms');
    expect(took).toBeGreaterThanOrEqual(300);
    expect(took).toBeLessThan(5_000);
    await release();
  });

  it('a second signal cuts the stop short at once and says so', async () => {
    const { service } = await serviceWith('twice');
    const release = stuckTask(service);
    const exit = await service.run({
      onRunning: () => {
        process.emit('SIGTERM', 'SIGTERM');
        setTimeout(() => process.emit('SIGINT', 'SIGINT'), 50);
      },
    });
    expect(exit).toMatchObject({ code: 1, forced: true });
    expect(String(exit.error)).toContain('service "twice": second SIGINT while stopping');
    await release();
  });

  it('refuses tasks after start and a second task of the same name', async () => {
    const { service } = await serviceWith('late');
    service.task('one', async () => undefined);
    expect(() => service.task('one', async () => undefined)).toThrow('task "one" is added already');
    await service.start();
    expect(() => service.task('two', async () => undefined)).toThrow('tasks can be added only before start (state: ');
    await service.stop();
  });
});

describe('serviceMain', () => {
  const quiet = { out: () => undefined, err: () => undefined, exitProcess: false } as const;

  it('with exitProcess false returns the exit and leaves process.exitCode alone', async () => {
    const before = process.exitCode;
    const exit = await serviceMain({ ...quiet, argv: ['--no-such-flag'], env: {}, defaults: { service: 'main' } }, () => undefined);
    expect(exit.code).toBe(2);
    expect(process.exitCode).toBe(before);
  });

  it('exits 2 when build throws a ConfigError for a setting of the application, 1 for other errors', async () => {
    const { ConfigError } = await import('../src');
    const errors: string[] = [];
    const usage = await serviceMain({ ...quiet, err: (line) => errors.push(line), argv: [], env: {}, defaults: { service: 'main' } }, () => {
      throw new ConfigError('PORT: must be a port number, got "x"');
    });
    expect(usage.code).toBe(2);
    expect(errors).toEqual(['error: PORT: must be a port number, got "x"']);
    const other = await serviceMain({ ...quiet, argv: [], env: {}, defaults: { service: 'main' } }, () => {
      throw new Error('no');
    });
    expect(other.code).toBe(1);
  });
});
