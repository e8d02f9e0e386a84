import { defineGroup, int64Codec, silentLogger, stringCodec, TopicManager } from '@goka-ts/core';
import { brokersFromEnv, uniqueName, waitFor } from '@goka-ts/test-support';
import { Service } from '../src';

/** A counter with its input emitter on `service`, started; resolves once key "k" counted one message. */
async function runCounter(service: Service, name: string): Promise<void> {
  const graph = defineGroup(name, { inputs: { [`${name}-in`]: { codec: stringCodec, handler: (ctx) => ctx.setValue((ctx.value() ?? 0) + 1) } }, persist: int64Codec });
  const manager = await TopicManager.connect(service.client, { logger: silentLogger });
  await manager.ensureStream(`${name}-in`, 2);
  await manager.close();
  service.processor(graph, { startFrom: 'oldest', consumer: { sessionTimeoutMs: 6000, heartbeatIntervalMs: 500, maxWaitMs: 100 } });
  const view = service.viewOf(graph);
  const emitter = service.emitter(`${name}-in`, stringCodec);
  await service.start();
  await emitter.emitSync('k', 'x');
  await waitFor('the count', async () => (await view.get('k')) === 1, 30_000);
}

describe('collectors on /metrics', () => {
  const services: Service[] = [];
  afterEach(async () => {
    for (const s of services.splice(0)) await s.stop();
  });
  const metrics = async (service: Service) => (await fetch(`${service.url}/metrics`)).text();

  it('counts every storage operation per component and partition with --storage-metrics', async () => {
    const name = uniqueName('svc-stm');
    const service = await Service.create({ argv: ['--web-port', '0', '--storage-metrics', '--heartbeat-interval', '0', '--log-level', 'silent'], env: {}, defaults: { service: 'stm' } });
    services.push(service);
    await runCounter(service, name);
    const text = await metrics(service);
    expect(text).toMatch(new RegExp(`goka_storage_operations_total\\{storage="processor-${name}",topic="${name}-table",partition="\\d",operation="writeBatch"\\} [1-9]`));
    expect(text).toMatch(new RegExp(`goka_storage_operations_total\\{storage="view-${name}-table",topic="${name}-table",partition="\\d",operation="get"\\} [1-9]`));
  });

  it('has no storage series without it', async () => {
    const name = uniqueName('svc-nostm');
    const service = await Service.create({ argv: ['--web-port', '0', '--heartbeat-interval', '0', '--log-level', 'silent'], env: {}, defaults: { service: 'nostm' } });
    services.push(service);
    await runCounter(service, name);
    expect(await metrics(service)).not.toContain('goka_storage_operations_total{');
  });

  it('exports librdkafka statistics of a --client confluent service', async () => {
    const brokers = brokersFromEnv().join(',');
    const name = uniqueName('svc-rdk');
    const service = await Service.create({ argv: ['--brokers', brokers, '--client', 'confluent', '--web-port', '0', '--heartbeat-interval', '0', '--log-level', 'silent'], env: {}, defaults: { service: 'rdk' } });
    services.push(service);
    await runCounter(service, name);
    const text = await waitFor('librdkafka statistics', async () => {
      const t = await metrics(service);
      // Every handle reports on its own 5 s clock: wait for the producer's and a consumer's.
      return /goka_rdkafka_messages_sent_total\{[^}]*type="producer"[^}]*\} [1-9]/.test(t) && /goka_rdkafka_requests_sent_total\{[^}]*type="consumer"/.test(t) && t;
    }, 20_000);
    expect(text).toContain(`goka_processor_state{group="${name}",state="running"} 1`);
  });
});
