import { loadOptional } from '../src';

describe('loadOptional', () => {
  it('loads an installed package', async () => {
    const module = await loadOptional<{ MemoryKafka?: unknown }>('@goka-ts/memory-kafka', '--client memory', '@goka-ts/service');
    expect(typeof module.MemoryKafka).toBe('function');
  });

  it('names the package to install, and next to which package', async () => {
    await expect(loadOptional('not-installed-goka-adapter', '--client imaginary', '@goka-ts/service')).rejects.toThrow(
      '--client imaginary needs the package not-installed-goka-adapter: install it next to @goka-ts/service (npm install not-installed-goka-adapter)',
    );
  });

  it('names only the package when no package asked for it', async () => {
    await expect(loadOptional('not-installed-goka-adapter', '--client imaginary')).rejects.toThrow(
      '--client imaginary needs the package not-installed-goka-adapter (npm install not-installed-goka-adapter)',
    );
  });
});
