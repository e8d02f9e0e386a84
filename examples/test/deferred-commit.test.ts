import { MessageError } from '@goka-ts/api';
import { Emitter, Processor } from '@goka-ts/core';
import { createExampleClient } from '../src/client';
import { FakeMailService } from '../src/deferred-commit/mail_service';
import { notifierGroup, orderCodec } from '../src/deferred-commit/notifier';

it('a failed mail stops the processor and leaves its order uncommitted', async () => {
  const kafka = createExampleClient({ env: { GOKA_LOG_LEVEL: 'silent' } }); // the failure is expected
  await kafka.ensureStreams(['orders'], 1);
  const mail = new FakeMailService({ failFor: 'ben', latencyMs: [1, 5] });
  const processor = new Processor(notifierGroup('notifier', 'orders', mail), kafka.processorOptions());
  const done = processor.run();
  await processor.waitRunning();

  const emitter = new Emitter('orders', orderCodec, { client: kafka.client });
  for (const [customer, id] of [['ann', 'o-1'], ['ben', 'o-2'], ['cleo', 'o-3']]) await emitter.emit(customer, { id, item: 'book' });
  await emitter.finish();

  const error = await done.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MessageError);
  expect(error).toMatchObject({ where: { topic: 'orders', partition: 0, offset: 1 } });
  expect(String((error as Error).cause ?? '')).toMatch(/mailbox of ben is unavailable/);

  // Offset 1 (ben's order) is not committed, so a restarted processor mails ben again.
  const admin = kafka.client.admin();
  await admin.connect();
  const [committed] = await admin.committedOffsets('notifier', 'orders');
  await admin.close();
  expect(committed.offset).toBeLessThanOrEqual(1);
  expect(mail.deliveries.map((d) => d.to)).not.toContain('ben');
});
