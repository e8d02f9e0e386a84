import { Consumer, MessagesStreamModes } from '@platformatic/kafka';
import type { BenchConfig } from './config';
import { Meter } from './meter';

/**
 * The raw @platformatic/kafka baseline: a consumer of a fresh group reading `topic` from the
 * beginning as a message stream with Buffer keys and values (no deserializers, like the adapter),
 * offsets auto-committed at the processor's commit interval. The handler touches every message's
 * key and value, nothing more. Timed from the group join (partitions assigned), like the other raw
 * consumers. Resolves with the meter once `expected` messages were seen.
 */
export async function consumePlatformatic(config: BenchConfig, topic: string, groupId: string, expected: number): Promise<Meter> {
  const meter = new Meter(expected);
  const consumer = new Consumer({
    clientId: 'goka-ts-bench',
    bootstrapBrokers: [...config.brokers],
    groupId,
    sessionTimeout: 6000,
    heartbeatInterval: 500,
    autocommit: 1000,
  });
  consumer.on('consumer:group:join', () => meter.start());
  try {
    const stream = await consumer.consume({ topics: [topic], mode: MessagesStreamModes.EARLIEST });
    let bytes = 0;
    stream.on('error', (err: Error) => meter.fail(err));
    stream.on('data', (m: { key?: Buffer; value?: Buffer }) => {
      bytes += (m.key?.length ?? 0) + (m.value?.length ?? 0);
      meter.add(1);
    });
    try {
      await meter.wait(`raw platformatic consumer of ${topic}`, config.timeoutMs);
    } finally {
      await stream.close();
    }
    if (bytes < 0) throw new Error('unreachable'); // keeps the reads from being optimised away
    return meter;
  } finally {
    await consumer.close(true);
  }
}
