import { CODES, KafkaConsumer, Producer, type LibrdKafkaError, type Message } from '@confluentinc/kafka-javascript';
import type { BenchConfig } from './config';
import { Meter } from './meter';
import type { BenchRecord } from './workload';

/** Messages taken from librdkafka per consume call, as the adapter does by default. */
const CONSUME_BATCH = 1000;
/** How long an idle loop sleeps when no wake-up came (the adapter's idle poll). */
const IDLE_MS = 500;

function connect(client: KafkaConsumer | Producer): Promise<void> {
  return new Promise((resolve, reject) => client.connect({ timeout: 10_000 }, (err) => (err ? reject(err) : resolve())));
}

function disconnect(client: KafkaConsumer | Producer): Promise<void> {
  return new Promise((resolve) => client.disconnect(() => resolve()));
}

/** Writes the records with a plain librdkafka producer (not timed). */
export async function produceConfluent(config: BenchConfig, topic: string, records: readonly BenchRecord[]): Promise<void> {
  const producer = new Producer({ 'bootstrap.servers': config.brokers.join(','), 'linger.ms': 20, 'batch.num.messages': 10_000, 'queue.buffering.max.messages': 1_000_000, dr_cb: false });
  await connect(producer);
  try {
    for (const r of records) producer.produce(topic, r.partition, r.value, r.key);
    await new Promise<void>((resolve, reject) => producer.flush(60_000, (err) => (err ? reject(err) : resolve())));
  } finally {
    await disconnect(producer);
  }
}

/**
 * The raw @confluentinc/kafka-javascript baseline, consuming the way the adapter does: a
 * KafkaConsumer of a fresh group subscribed to `topic` from the earliest offset, taking up to 1000
 * ready messages per non-blocking `consume` call and sleeping only until librdkafka signals a
 * non-empty queue. Offsets are auto-committed by librdkafka every second (the processor's commit
 * interval). The loop touches every message's key and value, nothing more. Timed from the
 * partition assignment.
 */
export async function consumeConfluent(config: BenchConfig, topic: string, groupId: string, expected: number): Promise<Meter> {
  const meter = new Meter(expected);
  let wake: (() => void) | undefined;
  let signaled = false;
  const notify = () => {
    signaled = true;
    const w = wake;
    wake = undefined;
    w?.();
  };
  const consumer = new KafkaConsumer({
    'bootstrap.servers': config.brokers.join(','),
    'group.id': groupId,
    'auto.offset.reset': 'earliest',
    'enable.auto.commit': true,
    'auto.commit.interval.ms': 1000,
    'session.timeout.ms': 6000,
    'heartbeat.interval.ms': 500,
    queue_non_empty_cb: notify,
    // Assigns as librdkafka would on its own, and starts the clock there.
    rebalance_cb: (err: LibrdKafkaError, assignment: { topic: string; partition: number }[]) => {
      if (err.code === CODES.ERRORS.ERR__ASSIGN_PARTITIONS) {
        consumer.assign(assignment);
        meter.start();
      } else {
        consumer.unassign();
      }
    },
  } as never);
  consumer.on('event.error', (err: LibrdKafkaError) => {
    if (err.isFatal) meter.fail(err);
  });
  await connect(consumer);
  let stopped = false;
  let bytes = 0;
  const loop = (async () => {
    consumer.setDefaultConsumeTimeout(0);
    while (!stopped) {
      signaled = false;
      const messages = await new Promise<Message[]>((resolve, reject) => consumer.consume(CONSUME_BATCH, (err, ms) => (err ? reject(err) : resolve(ms))));
      if (messages.length > 0) {
        for (let i = 0; i < messages.length; i++) {
          const m = messages[i];
          bytes += (m.key?.length ?? 0) + (m.value?.length ?? 0);
        }
        meter.add(messages.length);
      }
      if (messages.length < CONSUME_BATCH && !signaled && !stopped) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            wake = undefined;
            resolve();
          }, IDLE_MS);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    }
  })();
  loop.catch((err: unknown) => meter.fail(err));
  try {
    consumer.subscribe([topic]);
    await meter.wait(`raw confluent consumer of ${topic}`, config.timeoutMs);
    if (bytes < 0) throw new Error('unreachable'); // keeps the reads from being optimised away
    return meter;
  } finally {
    stopped = true;
    notify();
    await loop.catch(() => undefined);
    await disconnect(consumer);
  }
}
