import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describeStorage } from '@goka-ts/conformance';
import { leveldbStorage } from '../src';

for (const sharedDatabase of [false, true]) {
  const dir = mkdtempSync(path.join(tmpdir(), 'goka-leveldb-conformance-'));
  describeStorage(
    sharedDatabase ? 'leveldb (shared database)' : 'leveldb (database per partition)',
    {
      build: leveldbStorage({ path: dir, sharedDatabase }),
      teardown: async () => rmSync(dir, { recursive: true, force: true }),
    },
    { persistent: true },
  );
}
