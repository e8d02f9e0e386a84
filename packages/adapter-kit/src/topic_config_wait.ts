import { GokaError } from '@goka-ts/api';

/**
 * Waits until a topic's configs show what was just set. On a KRaft cluster an AlterConfigs answer
 * comes once the controller committed the change, but the broker that answers DescribeConfigs
 * applies it a moment later: without this wait a describe right after an alter can show the old
 * value, and an adapter that merges configs (kafkajs has no incremental alter) would write the old
 * value back.
 */
export async function waitForTopicConfig(
  client: string,
  topic: string,
  expected: Readonly<Record<string, string>>,
  read: () => Promise<Readonly<Record<string, string>> | undefined>,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let delayMs = 20; ; delayMs = Math.min(delayMs * 2, 250)) {
    const shown = (await read()) ?? {};
    const stale = Object.entries(expected).filter(([name, value]) => shown[name] !== value);
    if (stale.length === 0) return;
    if (Date.now() + delayMs > deadline) {
      const detail = stale.map(([name, value]) => `${name}=${value} (shows ${shown[name] ?? 'nothing'})`).join(', ');
      throw new GokaError(`${client}: configs set on topic "${topic}" not visible after ${timeoutMs} ms: ${detail}`);
    }
    await new Promise((resolve) => setTimeout(resolve, delayMs));
  }
}
