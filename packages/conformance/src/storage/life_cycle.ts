/// <reference types="jest" />
import { StorageError } from '@goka-ts/api';
import { buf, collect, keysOf, describeStorageSuite, type DescribeStorageOptions, type StorageFactory, type StorageSuite } from './suite';

/**
 * Registers the storage conformance tests of the life cycle: use after markRecovered, every operation rejected after close, building again after close,
 * alone (`describeStorage` registers every concern).
 */
export function describeStorageLifeCycle(name: string, factory: StorageFactory, options: DescribeStorageOptions): void {
  describeStorageSuite(name, factory, options, storageLifeCycleTests);
}

/** The tests of {@link describeStorageLifeCycle} inside a suite that already has its hooks. */
export function storageLifeCycleTests(suite: StorageSuite): void {
  const { fresh, ctx, timeout, options } = suite;
  describe('life cycle', () => {
    it('works after markRecovered', async () => {
      const s = await fresh();
      await s.writeBatch([{ type: 'put', key: 'r1', value: buf('1') }, { type: 'put', key: 'r2', value: buf('2') }], 1);
      await s.markRecovered();
      expect(await s.get('r1')).toEqual(buf('1'));
      await s.set('r3', buf('3'));
      await s.delete('r1');
      expect(keysOf(await collect(s))).toEqual(['r2', 'r3']);
      expect(await s.getOffset(-1)).toBe(1);
    }, timeout);

    it('rejects every operation after close with a StorageError, and close is idempotent', async () => {
      const s = await fresh();
      await s.set('k', buf('v'));
      await s.close();
      await s.close();
      const attempts: Array<[string, () => Promise<unknown>]> = [
        ['has', () => s.has('k')],
        ['get', () => s.get('k')],
        ['set', () => s.set('k', buf('v'))],
        ['delete', () => s.delete('k')],
        ['getOffset', () => s.getOffset(0)],
        ['setOffset', () => s.setOffset(1)],
        ['writeBatch', () => s.writeBatch([{ type: 'put', key: 'k', value: buf('v') }], 1)],
        ['markRecovered', () => s.markRecovered()],
        ['iterator', () => collect(s)],
      ];
      for (const [op, attempt] of attempts) {
        const err = await attempt().then(() => undefined, (e: unknown) => e);
        if (!(err instanceof StorageError)) throw new Error(`${op} after close: expected a StorageError, got ${String(err)}`);
        expect(err.message).toMatch(/closed/i);
      }
    }, timeout);

    it('builds a usable storage again after close', async () => {
      const topic = ctx.newTopic();
      const a = await ctx.open(topic, 0);
      await a.set('k', buf('v'));
      await a.close();
      const b = await ctx.open(topic, 0);
      await b.set('k2', buf('v2'));
      expect(await b.get('k2')).toEqual(buf('v2'));
      expect(keysOf(await collect(b))).toEqual(options.persistent ? ['k', 'k2'] : ['k2']);
    }, timeout);
  });
}
