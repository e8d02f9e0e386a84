import { loadOptional } from '@goka-ts/service';
import { CLIENT_KINDS, createClient } from '../src/load_adapter';

const brokers = process.env.KAFKA_BROKERS ?? '';

describe('loading an optional adapter', () => {
  it('names the package to install next to the CLI when it is missing', async () => {
    await expect(loadOptional('not-installed-goka-adapter', '--client imaginary', '@goka-ts/cli')).rejects.toThrow(
      '--client imaginary needs the package not-installed-goka-adapter: install it next to @goka-ts/cli (npm install not-installed-goka-adapter)',
    );
  });

  it.each(CLIENT_KINDS)('creates a working %s client', async (kind) => {
    if (!brokers) throw new Error('KAFKA_BROKERS is not set (KAFKA_BROKERS=127.0.0.1:9092)');
    const client = await createClient(kind, brokers.split(','));
    const admin = client.admin();
    await admin.connect();
    try {
      expect(Array.isArray(await admin.listTopics())).toBe(true);
    } finally {
      await admin.close();
    }
  });
});
