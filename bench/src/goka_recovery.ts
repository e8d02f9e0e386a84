import type { KafkaClient } from '@goka-ts/api';
import { int64Codec, silentLogger, View } from '@goka-ts/core';
import { memoryStorage } from '@goka-ts/storage-memory';
import type { BenchConfig } from './config';
import { countingStorage } from './counting_storage';
import { Meter } from './meter';
import { TimedClient } from './timed_client';

/**
 * Table recovery: a View (memory storage) of `table`, a topic of `config.messages` records that
 * must all be applied. Timed from the start of the table reader (which then connects and reads
 * the partition offsets) to the storage batch that completed the count. Afterwards (untimed) the view's values must add up to the record count
 * (the n-th record of a key holds n).
 */
export async function runRecovery(client: KafkaClient, config: BenchConfig, table: string): Promise<Meter> {
  const meter = new Meter(config.messages);
  const view = new View(table, int64Codec, {
    client: new TimedClient(client, () => meter.start()),
    storage: countingStorage(memoryStorage(), (n) => meter.add(n)),
    logger: silentLogger,
  });
  const running = view.run();
  try {
    await meter.wait(`goka-ts view recovery (${client.name})`, config.timeoutMs, running);
    await view.waitRunning();
    let sum = 0;
    for await (const [, value] of view.iterator()) sum += value;
    if (sum !== config.messages) throw new Error(`goka-ts view of ${table}: values add up to ${sum}, expected ${config.messages}`);
  } finally {
    await view.stop();
  }
  await running;
  return meter;
}
