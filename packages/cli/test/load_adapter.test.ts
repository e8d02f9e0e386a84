import { loadOptional } from '../src/load_adapter';

describe('loading an optional adapter', () => {
  it('names the package to install when it is missing', async () => {
    await expect(loadOptional('not-installed-goka-adapter', '--client imaginary')).rejects.toThrow(
      '--client imaginary needs the package not-installed-goka-adapter: install it next to @goka-ts/cli (npm install not-installed-goka-adapter)',
    );
  });

  it('loads an installed one', async () => {
    const module = await loadOptional<{ kafkajsClient: unknown }>('@goka-ts/kafkajs', '--client kafkajs');
    expect(typeof module.kafkajsClient).toBe('function');
  });
});
