import { GokaError } from '@goka-ts/api';
import { GROUP_DEFAULTS, resolveGroupConfig } from '../src';

const identity = { client: 'test', cooperativeRefusal: 'cooperative rebalancing is not supported here' };

describe('resolveGroupConfig', () => {
  it('fills in the defaults, the heartbeat within a third of the session', () => {
    expect(resolveGroupConfig({ groupId: 'g', topics: ['a', 'b'] }, identity)).toEqual({
      name: 'test group consumer "g"',
      topics: ['a', 'b'],
      ...GROUP_DEFAULTS,
    });
    expect(resolveGroupConfig({ groupId: 'g', topics: ['a'], sessionTimeoutMs: 6000 }, identity).heartbeatIntervalMs).toBe(2000);
    expect(resolveGroupConfig({ groupId: 'g', topics: ['a'], rebalanceTimeoutMs: 5, maxWaitMs: 7 }, identity)).toMatchObject({ rebalanceTimeoutMs: 5, maxWaitMs: 7 });
  });

  it('refuses what no adapter can run, naming the consumer', () => {
    const attempt = (config: Parameters<typeof resolveGroupConfig>[0]) => () => resolveGroupConfig(config, identity);
    expect(attempt({ groupId: '', topics: ['a'] })).toThrow(new GokaError('test group consumer: groupId must not be empty'));
    expect(attempt({ groupId: 'g', topics: ['a'], cooperative: true })).toThrow('test group consumer "g": cooperative rebalancing is not supported here');
    expect(attempt({ groupId: 'g', topics: [] })).toThrow(/"g": at least one topic/);
    expect(attempt({ groupId: 'g', topics: ['a', 'a'] })).toThrow(/topics listed twice: a, a/);
    expect(attempt({ groupId: 'g', topics: ['a'], sessionTimeoutMs: 3000, heartbeatIntervalMs: 3000 })).toThrow(/heartbeatIntervalMs \(3000\) must be below sessionTimeoutMs \(3000\)/);
  });
});
