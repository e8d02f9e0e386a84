/**
 * The deferred-commit example: a processor hands each order to a slow asynchronous mail service
 * without waiting for it, and uses `ctx.deferCommit()` so that an order's offset is committed only
 * after its mail went out. Prints the mails in the order they completed and the committed offsets.
 */
import { Emitter, Processor } from '@goka-ts/core';
import { createExampleClient, type ExampleClient } from '../client';
import { mainSettings, runMain, topicPrefix, type MainOptions } from '../cli';
import { Components } from '../components';
import { waitFor } from '../wait';
import { FakeMailService, type Delivery, type MailService } from './mail_service';
import { notifierGroup, orderCodec } from './notifier';

const CUSTOMERS = ['ann', 'ben', 'cleo', 'dan'];

export interface DeferredCommitResult {
  readonly deliveries: readonly Delivery[];
  /** The group's committed offset (next offset to read) per partition, after the processor stopped. */
  readonly committed: ReadonlyMap<number, number>;
}

/** Emits `orders` orders, waits until `mail` delivered them all, stops and reads the committed offsets. */
export async function runDeferredCommit(
  kafka: ExampleClient,
  prefix: string,
  out: (line: string) => void,
  orders = 8,
  mail: MailService & { deliveries: readonly Delivery[] } = new FakeMailService(),
): Promise<DeferredCommitResult> {
  const topic = `${prefix}orders`;
  const group = `${prefix}notifier`;
  await kafka.ensureStreams([topic], 2);
  const components = new Components();
  const emitter = new Emitter(topic, orderCodec, { client: kafka.client, logger: kafka.logger });
  try {
    components.start('notifier', new Processor(notifierGroup(group, topic, mail), kafka.processorOptions()));
    await components.waitRunning();
    for (let i = 1; i <= orders; i++) await emitter.emit(CUSTOMERS[i % CUSTOMERS.length], { id: `order-${i}`, item: `item ${i}` });
    out(`emitted ${orders} orders`);
    await Promise.race([waitFor(`${orders} mails`, () => mail.deliveries.length >= orders), components.failure]);
  } finally {
    try {
      await emitter.finish();
    } finally {
      // A graceful stop commits the final offsets (everything finished by now).
      await components.stop();
    }
  }
  for (const delivery of mail.deliveries) out(`mail to ${delivery.to}: ${delivery.text}`);

  const admin = kafka.client.admin();
  await admin.connect();
  const committed = new Map<number, number>();
  try {
    for (const { partition, offset } of await admin.committedOffsets(group, topic)) committed.set(partition, offset);
  } finally {
    await admin.close();
  }
  const total = [...committed.values()].reduce((sum, offset) => sum + Math.max(offset, 0), 0);
  out(`committed offsets of ${group}: ${[...committed].map(([partition, offset]) => `partition ${partition} -> ${offset}`).join(', ')} (${total} of ${orders} orders committed, each after its mail was sent)`);
  return { deliveries: mail.deliveries, committed };
}

export async function main(options: MainOptions = {}): Promise<void> {
  const { env, out } = mainSettings(options);
  const kafka = createExampleClient({ env });
  try {
    out(`Running the deferred-commit example on ${kafka.description}`);
    await runDeferredCommit(kafka, topicPrefix(kafka, env, 'deferred'), out);
  } finally {
    await kafka.close();
  }
}

if (require.main === module) runMain(main);
