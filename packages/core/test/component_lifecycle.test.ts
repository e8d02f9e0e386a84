import { StateError, type ComponentState } from '@goka-ts/api';
import { ComponentLifecycle } from '../src/component_lifecycle';
import { recordingLogger } from './support/recording_logger';

describe('ComponentLifecycle', () => {
  it('starts idle, tells listeners every change with the previous state, and ignores a repeated state', () => {
    const lifecycle = new ComponentLifecycle('thing "a"', recordingLogger());
    const seen: [ComponentState, ComponentState][] = [];
    const off = lifecycle.onStateChange((state, previous) => seen.push([state, previous]));
    expect(lifecycle.state).toBe('idle');
    expect(lifecycle.set('starting')).toBe(true);
    expect(lifecycle.set('starting')).toBe(false);
    expect(lifecycle.set('running')).toBe(true);
    off();
    lifecycle.set('stopped');
    expect(seen).toEqual([
      ['starting', 'idle'],
      ['running', 'starting'],
    ]);
    expect(lifecycle.state).toBe('stopped');
  });

  it('logs a throwing listener once per throw and still tells the others', () => {
    const logger = recordingLogger();
    const lifecycle = new ComponentLifecycle('thing "a"', logger);
    const after: ComponentState[] = [];
    lifecycle.onStateChange(() => {
      throw new Error('observer broke');
    });
    lifecycle.onStateChange((state) => after.push(state));
    lifecycle.set('starting');
    lifecycle.set('running');
    expect(after).toEqual(['starting', 'running']);
    const warnings = logger.lines.filter((l) => l.level === 'warn');
    expect(warnings).toHaveLength(2);
    expect(warnings[0].message).toBe('a state listener threw');
    expect(warnings[0].fields).toMatchObject({ component: 'thing "a"', state: 'starting', previous: 'idle' });
    expect(JSON.stringify(warnings[0].fields?.error)).toContain('observer broke');
  });

  it('waitFor resolves at once in the state, and when the state is reached later', async () => {
    const lifecycle = new ComponentLifecycle('thing "a"', recordingLogger());
    const running = lifecycle.waitFor('running');
    lifecycle.set('starting');
    lifecycle.set('recovering');
    lifecycle.set('running');
    await expect(running).resolves.toBeUndefined();
    await expect(lifecycle.waitFor('running')).resolves.toBeUndefined();
  });

  it('waitFor rejects when the component stops first, naming it, or with the failure it was given', async () => {
    const lifecycle = new ComponentLifecycle('thing "a"', recordingLogger());
    const first = lifecycle.waitFor('running');
    lifecycle.set('starting');
    lifecycle.set('stopping'); // not an end: still waiting
    lifecycle.set('stopped');
    await expect(first).rejects.toThrow(new StateError('thing "a" stopped before it was running'));

    const failure = new Error('broker gone');
    const second = lifecycle.waitFor('running');
    lifecycle.set('starting');
    lifecycle.set('failed', failure);
    await expect(second).rejects.toBe(failure);

    const third = lifecycle.waitFor('running');
    lifecycle.set('starting');
    lifecycle.set('failed');
    await expect(third).rejects.toThrow('thing "a" failed before it was running');
  });

  it('waitFor waits for the next run after an end, unless rejectWhenEnded', async () => {
    const lifecycle = new ComponentLifecycle('thing "a"', recordingLogger());
    lifecycle.set('starting');
    lifecycle.set('stopped');
    await expect(lifecycle.waitFor('running', { rejectWhenEnded: true })).rejects.toThrow('thing "a" is stopped');
    const next = lifecycle.waitFor('running');
    lifecycle.set('starting');
    lifecycle.set('running');
    await expect(next).resolves.toBeUndefined();
  });

  it('settles only the waiters of the state reached', async () => {
    const lifecycle = new ComponentLifecycle('thing "a"', recordingLogger());
    const order: string[] = [];
    const recovering = lifecycle.waitFor('recovering').then(() => order.push('recovering'));
    const running = lifecycle.waitFor('running').then(() => order.push('running'));
    lifecycle.set('recovering');
    await recovering;
    expect(order).toEqual(['recovering']);
    lifecycle.set('running');
    await running;
    expect(order).toEqual(['recovering', 'running']);
  });
});
