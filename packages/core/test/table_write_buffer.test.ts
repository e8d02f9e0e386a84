import { WriteExpiredError } from '@goka-ts/api';
import { MemoryStorage } from '@goka-ts/storage-memory';
import { CommitTracker } from '../src/processor/commit_tracker';
import type { EffectHolder } from '../src/processor/effect_holder';
import { TableWriteBuffer } from '../src/table/table_write_buffer';
import { ManualProducer, settle } from './support/manual_producer';

/** A message tracked by a CommitTracker, acting as the holder of its writes. */
function message(tracker: CommitTracker, offset: number, failures: string[]): EffectHolder & { seq: number; finish(): void } {
  const seq = tracker.begin(offset);
  return {
    seq,
    writeGeneration: 0,
    hold: () => tracker.add(seq),
    release: () => tracker.done(seq),
    effectFailed: (what, error) => void failures.push(`${offset}: ${what}: ${(error as Error).message}`),
    finish: () => tracker.done(seq),
  };
}

/** Like {@link message}, but ordered within its tracker the way ContextImpl is (hold scope = tracker). */
function scopedMessage(tracker: CommitTracker, offset: number, failures: string[]): ReturnType<typeof message> & { holds: number } {
  const m = message(tracker, offset, failures);
  const scoped = {
    ...m,
    holdScope: tracker,
    holdOrder: m.seq,
    holds: 0,
    hold: () => {
      scoped.holds++;
      m.hold();
    },
  };
  return scoped;
}

async function setup(maxBuffered = 100) {
  const producer = new ManualProducer();
  const storage = new MemoryStorage('t', 0);
  await storage.open();
  const buffer = new TableWriteBuffer('g-table', 0, producer, storage, maxBuffered);
  return { producer, storage, buffer, tracker: new CommitTracker(), failures: [] as string[] };
}

describe('TableWriteBuffer', () => {
  it('shows writes at once and sends repeated writes of a key once per generation', async () => {
    const { producer, storage, buffer, tracker, failures } = await setup();
    for (let i = 0; i < 5; i++) {
      const m = message(tracker, i, failures);
      buffer.put('k', Buffer.from(String(i + 1)), m);
      m.finish();
      expect(buffer.get('k')?.toString()).toBe(String(i + 1));
    }
    buffer.put('gone', null, message(tracker, 5, failures));
    expect(buffer.get('gone')).toBeNull();
    expect(buffer.get('other')).toBeUndefined();
    expect(tracker.committable).toBe(-1); // writes not yet durable

    buffer.flush();
    expect(producer.pending.map((p) => [p.record.key?.toString(), p.record.value?.toString() ?? null])).toEqual([
      ['k', '5'],
      ['gone', null],
    ]);
    expect(buffer.writes).toBe(6);
    expect(buffer.sentRecords).toBe(2);
    await settle();
    expect(tracker.committable).toBe(-1);

    producer.ack();
    await buffer.settled();
    expect(tracker.committable).toBe(5); // message 5 still holds its callback unit
    expect((await storage.get('k'))?.toString()).toBe('5');
    expect(await storage.getOffset(-1)).toBe(1);
    expect(failures).toEqual([]);
  });

  it('releases a message only when the generation covering its write is applied, in generation order', async () => {
    const { producer, storage, buffer, tracker, failures } = await setup();
    const a = message(tracker, 0, failures);
    buffer.put('x', Buffer.from('a'), a);
    a.finish();
    buffer.flush(); // generation 1: x=a
    const b = message(tracker, 1, failures);
    buffer.put('x', Buffer.from('b'), b);
    b.finish();
    buffer.flush(); // generation 2: x=b

    // Kafka acknowledges generation 2 first: it must not be applied (nor release b) before generation 1.
    producer.ackWhere((r) => r.value?.toString() === 'b');
    await settle();
    expect(tracker.committable).toBe(-1);
    expect(await storage.get('x')).toBeUndefined();

    producer.ack();
    await buffer.settled();
    expect(tracker.committable).toBe(2);
    expect((await storage.get('x'))?.toString()).toBe('b');
    expect(await storage.getOffset(-1)).toBe(0); // generation 2's record got offset 0 (acked first)
  });

  it('keeps pruned reads consistent: only entries not rewritten since are dropped', async () => {
    const { producer, buffer, tracker, failures } = await setup();
    const a = message(tracker, 0, failures);
    buffer.put('x', Buffer.from('1'), a);
    buffer.put('y', Buffer.from('1'), a);
    buffer.flush();
    buffer.put('x', Buffer.from('2'), message(tracker, 1, failures));
    producer.ack(2);
    await buffer.settled();
    buffer.prune();
    expect(buffer.has('y')).toBe(false); // applied: read storage now
    expect(buffer.get('x')?.toString()).toBe('2'); // newer write still buffered
  });

  it('flushes early when the generation reaches its size limit', async () => {
    const { producer, buffer, tracker, failures } = await setup(3);
    const m = message(tracker, 0, failures);
    for (const k of ['a', 'b', 'c', 'd']) buffer.put(k, Buffer.from(k), m);
    expect(producer.pending).toHaveLength(3);
    expect(buffer.pendingKeys).toBe(1);
  });

  it('reports a failed send to the first message of the generation and applies nothing after it', async () => {
    const { producer, storage, buffer, tracker, failures } = await setup();
    const a = message(tracker, 7, failures);
    const b = message(tracker, 8, failures);
    buffer.put('x', Buffer.from('1'), a);
    buffer.put('y', Buffer.from('1'), b);
    a.finish();
    b.finish();
    buffer.flush();
    buffer.put('z', Buffer.from('1'), message(tracker, 9, failures));
    buffer.flush();
    producer.fail(new Error('broker down'));
    producer.ack();
    await buffer.settled();
    expect(failures).toEqual(['7: writing key "x" to the group table "g-table" partition 0 failed: broker down']);
    expect(tracker.committable).toBe(-1);
    expect(await storage.get('z')).toBeUndefined();
  });

  it('sends a generation as one batch and fails it naming the key of the first record that failed for another reason than its deadline', async () => {
    const { producer, storage, buffer, tracker, failures } = await setup();
    const m = message(tracker, 3, failures);
    for (const key of ['a', 'b', 'c']) buffer.put(key, Buffer.from('1'), m);
    m.finish();
    buffer.flush(performance.now() + 60_000);
    expect(producer.batches).toEqual([3]);
    producer.pending[0]!.reject(new WriteExpiredError('g-table', 0, 1)); // expiry alone would requeue...
    producer.pending[1]!.reject(new Error('record too large'));           // ...but this fails the generation
    producer.pending.splice(0, 2);
    producer.ack();
    await buffer.settled();
    expect(failures).toEqual(['3: writing key "b" to the group table "g-table" partition 0 failed: record too large']);
    expect(buffer.requeued).toBe(0);
    expect(tracker.committable).toBe(-1);
    expect(await storage.get('c')).toBeUndefined();
  });

  it('holds only the lowest-ordered writer of a scope per generation, and commits nothing it covers before the generation is applied', async () => {
    const { producer, buffer, tracker, failures } = await setup();
    const ms = [0, 1, 2, 3].map((o) => scopedMessage(tracker, o, failures));
    for (const m of ms) {
      buffer.put(`k${m.seq % 2}`, Buffer.from(String(m.seq)), m);
      m.finish();
    }
    expect(ms.map((m) => m.holds)).toEqual([1, 0, 0, 0]);
    expect(tracker.committable).toBe(-1);
    buffer.flush();
    const late = scopedMessage(tracker, 4, failures);
    buffer.put('k0', Buffer.from('4'), late); // next generation: held again
    late.finish();
    expect(late.holds).toBe(1);
    producer.ack(2);
    await buffer.settled();
    expect(tracker.committable).toBe(4); // offsets 0..3 done; 4 waits for its own generation
    producer.ack();
    buffer.flush();
    producer.ack();
    await buffer.settled();
    expect(tracker.committable).toBe(5);
    expect(failures).toEqual([]);
  });

  it('also holds an earlier message that writes after later ones in the same generation (a deferred commit)', async () => {
    const { producer, buffer, tracker, failures } = await setup();
    const early = scopedMessage(tracker, 10, failures); // keeps working after later messages
    const later = scopedMessage(tracker, 11, failures);
    buffer.put('a', Buffer.from('1'), later);
    later.finish();
    buffer.put('b', Buffer.from('1'), early);
    early.finish();
    expect([early.holds, later.holds]).toEqual([1, 1]);
    buffer.flush();
    expect(tracker.committable).toBe(-1);
    producer.ack();
    await buffer.settled();
    expect(tracker.committable).toBe(12);
  });

  it('sends the value a generation had when it was flushed, even when the key is rewritten in place afterwards', async () => {
    const { producer, storage, buffer, tracker, failures } = await setup();
    const m = scopedMessage(tracker, 0, failures);
    buffer.put('x', Buffer.from('1'), m);
    buffer.put('x', Buffer.from('2'), m); // same generation: rewritten in place
    buffer.flush();
    const n = scopedMessage(tracker, 1, failures);
    buffer.put('x', Buffer.from('3'), n); // new generation: a new entry
    expect(producer.pending.map((p) => p.record.value?.toString())).toEqual(['2']);
    producer.ack();
    await buffer.settled();
    buffer.prune();
    expect(buffer.get('x')?.toString()).toBe('3');
    expect((await storage.get('x'))?.toString()).toBe('2');
  });

  describe('send deadline (membership lease)', () => {
    it('keeps a generation whose records expired before leaving the process, and sends it with the next flush', async () => {
      const { producer, storage, buffer, tracker, failures } = await setup();
      const a = message(tracker, 0, failures);
      buffer.put('x', Buffer.from('1'), a);
      buffer.put('y', Buffer.from('1'), a);
      a.finish();
      const leaseEnd = performance.now() + 1_000;
      buffer.flush(leaseEnd);
      expect(producer.pending.map((p) => p.record.notAfter)).toEqual([leaseEnd, leaseEnd]);
      producer.leave(leaseEnd + 1); // the process woke up after the lease ran out
      await buffer.settled();
      expect(failures).toEqual([]);
      expect(buffer.requeued).toBe(1);
      expect(await storage.get('x')).toBeUndefined();
      expect(tracker.committable).toBe(-1); // message 0 stays held
      expect(buffer.get('x')?.toString()).toBe('1'); // still readable
      expect(buffer.hasPending).toBe(true);

      const b = message(tracker, 1, failures);
      buffer.put('y', Buffer.from('2'), b);
      b.finish();
      buffer.flush();
      expect(producer.pending.map((p) => `${p.record.key}=${p.record.value}`)).toEqual(['x=1', 'y=2']);
      producer.ack();
      await buffer.settled();
      expect(tracker.committable).toBe(2);
      expect((await storage.get('x'))?.toString()).toBe('1');
      expect((await storage.get('y'))?.toString()).toBe('2');
      expect(failures).toEqual([]);
    });

    it('does not send an expired value again after a newer generation wrote the key, and releases its messages with that one', async () => {
      const { producer, storage, buffer, tracker, failures } = await setup();
      const a = message(tracker, 0, failures);
      buffer.put('x', Buffer.from('old'), a);
      a.finish();
      buffer.flush(performance.now() + 1_000); // generation 1, in flight
      const b = message(tracker, 1, failures);
      buffer.put('x', Buffer.from('new'), b);
      b.finish();
      buffer.flush(); // generation 2, sent behind it
      producer.leave(Number.MAX_SAFE_INTEGER); // generation 1 expires, generation 2 leaves
      producer.ack();
      await buffer.settled();
      expect(tracker.committable).toBe(-1); // message 0 now waits in the current (empty) generation
      expect(buffer.hasPending).toBe(true);
      buffer.flush();
      await buffer.settled();
      expect(producer.acked.map((r) => `${r.record.key}=${r.record.value}`)).toEqual(['x=new']);
      expect(tracker.committable).toBe(2);
      expect((await storage.get('x'))?.toString()).toBe('new');
      expect(failures).toEqual([]);
    });
  });
});
