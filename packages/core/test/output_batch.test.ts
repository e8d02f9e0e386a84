import { BatchSendError, GokaError } from '@goka-ts/api';
import type { BatchResult, ProduceResult, ProducerRecord } from '@goka-ts/api';
import { OutputBatch, type OutputHandler } from '../src/processor/output_batch';
import type { RecordSender } from '../src/processor/partition_transaction';

const rec = (value: string): ProducerRecord => ({ topic: 't', partition: 0, key: null, value: Buffer.from(value) });

class FakeSender implements RecordSender {
  readonly batches: string[][] = [];
  answer: (records: readonly ProducerRecord[]) => Promise<BatchResult> = async (records) => ({
    results: records.map((r, i) => ({ topic: r.topic, partition: r.partition, offset: i })),
  });
  send(): Promise<ProduceResult> {
    throw new Error('OutputBatch must not send record by record');
  }
  sendBatch(records: readonly ProducerRecord[]): Promise<BatchResult> {
    this.batches.push(records.map((r) => String(r.value)));
    return this.answer(records);
  }
  async flush(): Promise<void> {}
}

function recorder(): { handler: (name: string) => OutputHandler; outcomes: Map<string, unknown> } {
  const outcomes = new Map<string, unknown>();
  return { outcomes, handler: (name) => ({ sent: () => outcomes.set(name, 'sent'), failed: (error) => outcomes.set(name, error) }) };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('OutputBatch', () => {
  it('sends what one synchronous run added as one sendBatch, in order', async () => {
    const sender = new FakeSender();
    const output = new OutputBatch(sender);
    const { handler, outcomes } = recorder();
    for (const v of ['a', 'b', 'c']) output.add(rec(v), handler(v));
    expect(sender.batches).toEqual([]);
    await settle();
    expect(sender.batches).toEqual([['a', 'b', 'c']]);
    expect([...outcomes.values()]).toEqual(['sent', 'sent', 'sent']);
    output.add(rec('d'), handler('d'));
    await settle();
    expect(sender.batches).toEqual([['a', 'b', 'c'], ['d']]);
  });

  it('gives each record its own outcome from a BatchSendError', async () => {
    const sender = new FakeSender();
    const refused = new GokaError('refused');
    sender.answer = async () => {
      throw new BatchSendError([{ topic: 't', partition: 0, offset: 0 }, refused, { topic: 't', partition: 0, offset: 1 }]);
    };
    const output = new OutputBatch(sender);
    const { handler, outcomes } = recorder();
    for (const v of ['a', 'b', 'c']) output.add(rec(v), handler(v));
    await settle();
    expect(outcomes).toEqual(new Map<string, unknown>([['a', 'sent'], ['b', refused], ['c', 'sent']]));
  });

  it('fails every record of a batch that failed as a whole', async () => {
    const sender = new FakeSender();
    const down = new GokaError('broker down');
    sender.answer = () => Promise.reject(down);
    const output = new OutputBatch(sender);
    const { handler, outcomes } = recorder();
    output.add(rec('a'), handler('a'));
    output.add(rec('b'), handler('b'));
    await settle();
    expect(outcomes).toEqual(new Map([['a', down], ['b', down]]));
  });

  it('splits a very large run into several batches, in order, and flush sends at once', async () => {
    const sender = new FakeSender();
    const output = new OutputBatch(sender);
    const { handler } = recorder();
    for (let i = 0; i < 12_000; i++) output.add(rec(String(i)), handler(String(i)));
    await output.flush();
    expect(sender.batches.map((b) => b.length)).toEqual([5000, 5000, 2000]);
    expect(sender.batches.flat()).toEqual(Array.from({ length: 12_000 }, (_, i) => String(i)));
  });
});
