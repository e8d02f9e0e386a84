import { Backoff, retry, sleep } from '../src';

describe('Backoff', () => {
  it('grows exponentially up to the maximum', () => {
    const b = new Backoff({ initialMs: 100, maxMs: 1000, jitter: 0 });
    expect([b.next(), b.next(), b.next(), b.next(), b.next()]).toEqual([100, 200, 400, 800, 1000]);
    expect(b.attempts).toBe(5);
    b.reset();
    expect(b.next()).toBe(100);
  });
  it('applies jitter within [d*(1-j), d]', () => {
    expect(new Backoff({ initialMs: 100, jitter: 0.5, random: () => 0.999999 }).next()).toBe(50);
    expect(new Backoff({ initialMs: 100, jitter: 0.5, random: () => 0 }).next()).toBe(100);
  });
  it('validates options', () => {
    expect(() => new Backoff({ initialMs: 10, maxMs: 5 })).toThrow(/initialMs <= maxMs/);
    expect(() => new Backoff({ jitter: 2 })).toThrow(/jitter/);
  });
});

describe('sleep', () => {
  it('resolves true after the time, false when aborted, without leaking timers', async () => {
    expect(await sleep(5)).toBe(true);
    const ac = new AbortController();
    const started = Date.now();
    const p = sleep(60_000, ac.signal);
    ac.abort();
    expect(await p).toBe(false);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await sleep(60_000, ac.signal)).toBe(false);
  });
});

describe('retry', () => {
  it('retries until success', async () => {
    let calls = 0;
    const retries: number[] = [];
    const result = await retry(
      async (attempt) => {
        calls++;
        if (attempt < 2) throw new Error(`fail ${attempt}`);
        return 'ok';
      },
      { initialMs: 1, maxMs: 2, onRetry: (_e, attempt) => retries.push(attempt) },
    );
    expect(result).toBe('ok');
    expect(calls).toBe(3);
    expect(retries).toEqual([1, 2]);
  });
  it('gives up with the last error after the retries', async () => {
    let calls = 0;
    await expect(retry(async () => { calls++; throw new Error(`fail ${calls}`); }, { retries: 2, initialMs: 1 })).rejects.toThrow('fail 3');
  });
  it('does not retry errors that are not retryable', async () => {
    let calls = 0;
    await expect(retry(async () => { calls++; throw new TypeError('fatal'); }, { retryable: (e) => !(e instanceof TypeError) })).rejects.toThrow('fatal');
    expect(calls).toBe(1);
  });
  it('stops at once when aborted during a wait', async () => {
    const ac = new AbortController();
    const p = retry(async () => { throw new Error('down'); }, { initialMs: 60_000, maxMs: 60_000, signal: ac.signal });
    setTimeout(() => ac.abort(new Error('stopped')), 10);
    await expect(p).rejects.toThrow('stopped');
  });
});
