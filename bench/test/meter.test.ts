import { Meter } from '../src/meter';

describe('Meter', () => {
  it('times from start() to the expected count and resolves then', async () => {
    const meter = new Meter(3);
    meter.start();
    await new Promise((resolve) => setTimeout(resolve, 20));
    meter.add(2);
    expect(() => meter.elapsedMs).toThrow(/only 2 of 3/);
    meter.add(1);
    await meter.done;
    expect(meter.elapsedMs).toBeGreaterThanOrEqual(15);
    expect(meter.rate).toBeCloseTo(3 / (meter.elapsedMs / 1000));
  });

  it('fails a wait on timeout, and when the watched run ends or fails first', async () => {
    await expect(new Meter(1).wait('idle', 10)).rejects.toThrow(/idle: timed out after 10 ms with 0 of 1/);
    await expect(new Meter(1).wait('stopped', 1000, Promise.resolve())).rejects.toThrow(/stopped: ended after 0 of 1/);
    await expect(new Meter(1).wait('broken', 1000, Promise.reject(new Error('boom')))).rejects.toThrow(/broken: failed after 0 of 1 messages: boom/);
    const failed = new Meter(1);
    failed.fail(new Error('crash'));
    await expect(failed.wait('crashed', 1000)).rejects.toThrow('crash');
  });
});
