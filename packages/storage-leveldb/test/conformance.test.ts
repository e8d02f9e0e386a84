import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
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
    { persistent: true },
  );
}
