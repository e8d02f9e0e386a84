import { waitForTopicConfig } from '../src/topic_config_wait';

describe('waitForTopicConfig', () => {
  it('resolves once every set config shows, reading again while one is stale', async () => {
    const answers: Array<Record<string, string> | undefined> = [{ 'cleanup.policy': 'compact' }, undefined, { 'cleanup.policy': 'compact,delete', 'retention.ms': '1' }];
    let reads = 0;
    await waitForTopicConfig('test', 't', { 'cleanup.policy': 'compact,delete' }, async () => answers[reads++]);
    expect(reads).toBe(3);
  });

  it('fails after the timeout naming the topic, the config and what it shows', async () => {
    await expect(waitForTopicConfig('test admin', 'orders', { 'retention.ms': '5' }, async () => ({ 'retention.ms': '7' }), 100))
      .rejects.toThrow('test admin: configs set on topic "orders" not visible after 100 ms: retention.ms=5 (shows 7)');
  });
});
