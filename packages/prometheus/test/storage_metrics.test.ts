import { instrumentStorage, StorageStatsCollector } from '@goka-ts/storage-lru';
import { memoryStorage } from '@goka-ts/storage-memory';
import { Registry } from 'prom-client';
import { GokaMetrics } from '../src';

describe('GokaMetrics: instrumented storage', () => {
  it('exports operations, errors and time per storage, topic, partition and operation', async () => {
    const registry = new Registry();
    const metrics = new GokaMetrics({ registry });
    const collector = new StorageStatsCollector();
    metrics.addStorage('memory', collector);
    const build = instrumentStorage(memoryStorage(), collector);
    const storage = await build('users-table', 3);
    await storage.open();
    await storage.set('a', Buffer.from('1'));
    await storage.set('b', Buffer.from('2'));
    await storage.get('a');
    await storage.writeBatch([{ type: 'put', key: 'c', value: Buffer.from('3') }], 7);
    await storage.close();
    await expect(storage.get('a')).rejects.toThrow(); // closed: counted as an error

    const series = async (name: string) =>
      Object.fromEntries(
        (await registry.getMetricsAsJSON())
          .find((m) => m.name === name)!
          .values.map((v) => [`${v.labels.storage}/${v.labels.topic}/${v.labels.partition}/${v.labels.operation}`, v.value]),
      );
    expect(await series('goka_storage_operations_total')).toEqual({
      'memory/users-table/3/open': 1,
      'memory/users-table/3/set': 2,
      'memory/users-table/3/get': 2,
      'memory/users-table/3/writeBatch': 1,
      'memory/users-table/3/close': 1,
    });
    expect((await series('goka_storage_errors_total'))['memory/users-table/3/get']).toBe(1);
    expect((await series('goka_storage_operation_seconds_total'))['memory/users-table/3/set']).toBeGreaterThanOrEqual(0);
    metrics.close();
  });
});
