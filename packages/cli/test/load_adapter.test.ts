import { loadOptional } from '@goka-ts/client-loader';
import { brokersFromEnv } from '@goka-ts/test-support';
import { CLIENT_KINDS, createClient } from '../src/load_adapter';

describe('loading an optional adapter', () => {
  it('names the package to install next to the CLI when it is missing', async () => {
    await expect(loadOptional('not-installed-goka-adapter', '--client imaginary', '@goka-ts/cli')).rejects.toThrow(
      '--client imaginary needs the package not-installed-goka-adapter: install it next to @goka-ts/cli (npm install not-installed-goka-adapter)',
    );
  });

  it.each(CLIENT_KINDS)('creates a working %s client', async (kind) => {
    const client = await createClient(kind, brokersFromEnv());
    const admin = client.admin();
    await admin.connect();
    try {
      expect(Array.isArray(await admin.listTopics())).toBe(true);
    } finally {
      await admin.close();
    }
  });
});
