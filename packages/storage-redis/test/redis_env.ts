import { createClient } from 'redis';

/** REDIS_URL of the test run; tests fail with this message instead of skipping when it is missing. */
export function redisUrl(): string {
  const url = process.env.REDIS_URL;
  if (!url) throw new Error('REDIS_URL is not set: run the tests with REDIS_URL=redis://127.0.0.1:6379 (or `pnpm test`, which starts Redis)');
  return url;
}

/** A key prefix no other test run uses. */
export function testPrefix(name: string): string {
  return `goka-test-${name}-${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
}

/** Deletes every key under `prefix`. */
export async function deleteKeys(url: string, prefix: string): Promise<void> {
  const client = createClient({ url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    for await (const keys of client.scanIterator({ MATCH: `${prefix}:*`, COUNT: 1000 })) {
      if (keys.length) await client.del(keys);
    }
  } finally {
    client.destroy();
  }
}
