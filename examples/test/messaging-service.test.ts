import { heartbeatCodec, stringCodec, TopicManager, View, type Heartbeat } from '@goka-ts/core';
import { Service } from '@goka-ts/service';
import { main as messagingMain } from '../src/messaging/main';
import { waitFor } from '../src/wait';
import { embeddedEnv, runMain } from './support/run';

// The messaging example as a @goka-ts/service: its flags, health, metrics and heartbeats.
describe('the messaging service', () => {
  it('serves health and metrics with --web-port and beats for every component until stopped', async () => {
    const lines: string[] = [];
    const stop = new AbortController();
    const running = messagingMain({
      argv: ['--serve', '--web-port', '0', '--heartbeat-interval', '200', '--instance', 'test'],
      env: embeddedEnv({ PORT: '0' }),
      out: (line) => lines.push(line),
      signal: stop.signal,
    });
    try {
      let base: string | undefined;
      await waitFor('the monitor line', () => (base = lines.map((l) => /^Monitor.* on (http:\/\/[\d.]+:\d+)$/.exec(l)?.[1]).find(Boolean)) !== undefined, { timeoutMs: 20_000 });
      const ready = await fetch(`${base}/readyz`);
      expect(ready.status).toBe(200);
      const body = (await ready.json()) as { components: { kind: string }[] };
      expect(body.components.filter((c) => c.kind === 'processor')).toHaveLength(5);
      expect(body.components.filter((c) => c.kind === 'view')).toHaveLength(3);
      expect(body.components.filter((c) => c.kind === 'emitter')).toHaveLength(3);
      expect(await (await fetch(`${base}/metrics`)).text()).toContain('goka_processor_state{group="messaging-message-filter",state="running"} 1');
    } finally {
      stop.abort();
      await running;
    }
    expect(lines.slice(-2)).toEqual(['Stopping ...', 'Stopped.']);
  });

  it('prints its flags with --help and refuses a bad one naming it', async () => {
    expect((await runMain(messagingMain, { argv: ['--help'], env: embeddedEnv() })).join('\n')).toMatch(/--web-port <value>[\s\S]*--serve/);
    await expect(runMain(messagingMain, { argv: ['--storage', 'floppy'], env: embeddedEnv() })).rejects.toThrow('--storage: must be one of memory, leveldb, redis, got "floppy"');
  });

  it('writes heartbeats that a core View reads back, on the embedded Kafka', async () => {
    const service = await Service.create({ argv: ['--heartbeat-interval', '100'], env: {}, defaults: { service: 'beats' } });
    const manager = await TopicManager.connect(service.client);
    await manager.ensureStream('beats-out', 1);
    await manager.close();
    service.emitter('beats-out', stringCodec);
    await service.start();
    const view = new View(service.config.heartbeatTopic, heartbeatCodec, { client: service.client });
    const viewing = view.run();
    try {
      await view.waitRunning();
      let beat: Heartbeat | undefined;
      await waitFor('a heartbeat', async () => (beat = await view.get(`beats/${service.config.instance}/emitter/beats-out`)) !== undefined, { timeoutMs: 5_000 });
      expect(beat).toMatchObject({ service: 'beats', kind: 'emitter', state: 'running', intervalMs: 100 });
    } finally {
      await service.stop();
      await view.stop();
      await viewing;
    }
  });
});
