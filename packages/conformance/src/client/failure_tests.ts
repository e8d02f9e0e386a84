/// <reference types="jest" />
import { KafkaConnectionError, UnknownTopicError } from '@goka-ts/api';
import { GroupCollector, ReaderCollector, uniqueName, within, type SuiteContext } from './harness';

/** Runs `attempt` and returns how it failed and how long that took. */
async function failure(attempt: () => Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = Date.now();
  try {
    await attempt();
  } catch (error) {
    return { error, ms: Date.now() - started };
  }
  throw new Error('expected a failure, but the call succeeded');
}

export function failureTests(ctx: SuiteContext): void {
  describe('failures', () => {
    afterEach(() => ctx.cleanup());

    // An in-memory client has no broker that could be unreachable: the test does not apply to it.
    const network = ctx.options.network === false ? () => undefined : it;
    network('fails with KafkaConnectionError in bounded time when no broker is reachable', async () => {
      const bound = ctx.options.unreachableWithinMs ?? 15000;
      const client = await ctx.factory(['127.0.0.1:1']);
      const admin = client.admin();
      const producer = client.producer();
      const consumer = client.groupConsumer({ groupId: uniqueName('unreachable'), topics: ['t'], sessionTimeoutMs: 6000, heartbeatIntervalMs: 500 });
      const reader = client.partitionReader({ topic: 't', partitions: [{ partition: 0, from: 'oldest' }], follow: false });
      ctx.defer(() => admin.close());
      ctx.defer(() => producer.close());
      ctx.defer(() => consumer.close());
      ctx.defer(() => reader.stop());
      const results = await within('failures against an unreachable broker', bound + 5000, Promise.all([
        failure(async () => {
          await admin.connect();
          await admin.describeTopic('t');
        }),
        failure(async () => {
          await producer.connect();
          await producer.send({ topic: 't', partition: 0, key: null, value: Buffer.from('x') });
        }),
        failure(() => consumer.run(new GroupCollector())),
        failure(() => reader.run(new ReaderCollector())),
      ]));
      for (const [name, result] of ['admin', 'producer', 'group consumer', 'partition reader'].map((n, i) => [n, results[i]!] as const)) {
        expect([name, result.error]).toEqual([name, expect.any(KafkaConnectionError)]);
        expect([name, result.ms]).toEqual([name, expect.any(Number)]);
        expect(result.ms).toBeLessThan(bound);
        expect((result.error as Error).message).toMatch(/127\.0\.0\.1:1/);
      }
    });

    it('fails with UnknownTopicError naming a missing topic', async () => {
      const missing = uniqueName('missing');
      const existing = await ctx.createTopic('failures', 1);
      const outcome = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e);
      const checks: Array<[string, Promise<unknown>]> = [
        ['producer send', outcome(ctx.producer.send({ topic: missing, partition: 0, key: null, value: Buffer.from('x') }))],
        ['partition reader', outcome(ctx.reader({ topic: missing, partitions: [{ partition: 0, from: 'oldest' }], follow: true }).run(new ReaderCollector()))],
        ['group consumer', outcome(ctx.groupConsumer(uniqueName('missing'), [existing, missing], 'oldest').run(new GroupCollector()))],
        ['admin partitionOffsets', outcome(ctx.admin.partitionOffsets(missing))],
        ['admin committedOffsets', outcome(ctx.admin.committedOffsets(uniqueName('g'), missing))],
      ];
      for (const [name, promise] of checks) {
        const error = await within(name, 15000, promise);
        expect([name, error]).toEqual([name, expect.any(UnknownTopicError)]);
        expect([name, (error as UnknownTopicError).topic]).toEqual([name, missing]);
      }
    });
  });
}
