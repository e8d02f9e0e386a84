import { CommitTracker } from '../src/processor/commit_tracker';

describe('CommitTracker', () => {
  it('commits nothing before the first message finishes', () => {
    const t = new CommitTracker();
    t.begin(10);
    expect(t.committable).toBe(-1);
    expect(t.held).toBe(1);
  });

  it('commits only the contiguous finished prefix', () => {
    const t = new CommitTracker();
    const a = t.begin(5);
    const b = t.begin(6);
    const c = t.begin(9); // offsets may have gaps (compaction, transactions)
    t.done(c);
    t.done(b);
    expect(t.committable).toBe(-1); // 5 still pending holds back 6 and 9
    expect(t.oldestHeldOffset).toBe(5);
    t.done(a);
    expect(t.committable).toBe(10);
    expect(t.held).toBe(0);
  });

  it('holds a message until every effect is released', () => {
    const t = new CommitTracker();
    const a = t.begin(0);
    t.add(a, 2);
    t.done(a); // callback returned
    expect(t.committable).toBe(-1);
    t.done(a);
    expect(t.committable).toBe(-1);
    t.done(a);
    expect(t.committable).toBe(1);
  });

  it('never moves past a message that never finishes (a failure)', () => {
    const t = new CommitTracker();
    const seqs = [0, 1, 2, 3].map((o) => t.begin(o));
    t.done(seqs[0]);
    t.done(seqs[2]);
    t.done(seqs[3]);
    expect(t.committable).toBe(1);
    expect(t.lastFinished).toBe(0);
  });

  it('grows past its initial capacity and keeps handles valid', () => {
    const t = new CommitTracker(16);
    const seqs: number[] = [];
    for (let o = 0; o < 1000; o++) seqs.push(t.begin(o * 2));
    // finish in reverse: nothing commits until the first one is done
    for (let i = seqs.length - 1; i > 0; i--) t.done(seqs[i]);
    expect(t.committable).toBe(-1);
    expect(t.offsetOf(seqs[500])).toBe(1000);
    t.done(seqs[0]);
    expect(t.committable).toBe(1999);
  });

  it('reuses ring slots while messages keep flowing', () => {
    const t = new CommitTracker(16);
    let pendingSeq = t.begin(0);
    for (let o = 1; o < 10_000; o++) {
      const s = t.begin(o);
      t.done(pendingSeq);
      pendingSeq = s;
    }
    expect(t.committable).toBe(9_999);
    expect(t.held).toBe(1);
  });

  it('rejects offsets that do not increase, unknown handles and double releases', () => {
    const t = new CommitTracker();
    const a = t.begin(3);
    expect(() => t.begin(3)).toThrow(/not after the last tracked offset 3/);
    t.done(a);
    expect(() => t.done(a)).toThrow(/not held/);
    const b = t.begin(4);
    t.add(b);
    t.done(b);
    t.done(b);
    expect(() => t.add(b)).toThrow(/not held/);
    const c = t.begin(5);
    const d = t.begin(6);
    t.done(d);
    expect(() => t.done(d)).toThrow(/released more often than added/);
    t.done(c);
  });

  it('resolves whenIdle once every held message finished', async () => {
    const t = new CommitTracker();
    await t.whenIdle();
    const a = t.begin(1);
    const b = t.begin(2);
    let idle = false;
    const p = t.whenIdle().then(() => (idle = true));
    t.done(b);
    await Promise.resolve();
    expect(idle).toBe(false);
    t.done(a);
    await p;
    expect(idle).toBe(true);
  });
});
