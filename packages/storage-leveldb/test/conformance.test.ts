import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { StorageLockedError } from '@goka-ts/api';
import { describeStorage } from '@goka-ts/conformance';
import { leveldbStorage } from '../src';

const variants = [
  { name: 'leveldb (database per partition)', sharedDatabase: false, syncReads: true },
  { name: 'leveldb (shared database)', sharedDatabase: true, syncReads: true },
  { name: 'leveldb (asynchronous reads)', sharedDatabase: false, syncReads: false },
];

for (const { name, sharedDatabase, syncReads } of variants) {
  const dir = mkdtempSync(path.join(tmpdir(), 'goka-leveldb-conformance-'));
  describeStorage(
    name,
    {
      build: leveldbStorage({ path: dir, sharedDatabase, syncReads }),
      teardown: async () => rmSync(dir, { recursive: true, force: true }),
    },
    {
      persistent: true,
      extraTests: (ctx) => {
        it('locks a partition that is open against a second storage', async () => {
          const topic = ctx.newTopic();
          const first = await ctx.open(topic, 2);
          await first.set('k', Buffer.from('v'));
          await expect(ctx.open(topic, 2)).rejects.toBeInstanceOf(StorageLockedError);
          expect(await first.get('k')).toEqual(Buffer.from('v'));
          await first.close();
          const again = await ctx.open(topic, 2);
          expect(await again.get('k')).toEqual(Buffer.from('v'));
        });
      },
    },
  );
}
