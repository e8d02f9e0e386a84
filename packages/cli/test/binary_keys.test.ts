/**
 * `goka-ts table` on a table whose keys are not UTF-8 (issue 22): `--keys hex` gives and prints the
 * key bytes, so ff fe and ff fd stay two keys; the default refuses them naming the record and the flag.
 */
import { murmur2 } from '@goka-ts/core';
import { kafkajsClient } from '@goka-ts/kafkajs';
import { brokersFromEnv, TestCluster, uniqueName } from '@goka-ts/test-support';
import { jsonLines, runCli } from './run_cli';

const ENTRIES: [hex: string, value: string][] = [
  ['fffe', '2'],
  ['fffd', '1'],
  [Buffer.from('plain').toString('hex'), '5'],
];

describe('goka-ts table with keys that are not UTF-8 (real broker)', () => {
  let cluster: TestCluster;
  const table = uniqueName('cli-binkeys-table');

  beforeAll(async () => {
    cluster = new TestCluster(kafkajsClient({ brokers: brokersFromEnv() }));
    await cluster.createTopic(table, 3, { 'cleanup.policy': 'compact' });
    const producer = cluster.client.producer();
    await producer.connect();
    try {
      for (const [hex, value] of ENTRIES) {
        const key = Buffer.from(hex, 'hex');
        await producer.send({ topic: table, partition: (murmur2(key) & 0x7fffffff) % 3, key, value: Buffer.from(value) });
      }
    } finally {
      await producer.close();
    }
  });
  afterAll(() => cluster.close());

  it('--keys hex gets, scans and dumps each key by its bytes', async () => {
    expect(await runCli(['table', 'get', table, 'fffe', '--keys', 'hex', '--codec', 'int64'])).toMatchObject({ code: 0, stdout: '{"key":"fffe","value":2}\n' });
    expect(await runCli(['table', 'get', table, 'FFFD', '--keys', 'hex', '--codec', 'int64'])).toMatchObject({ code: 0, stdout: '{"key":"fffd","value":1}\n' });
    const absent = await runCli(['table', 'get', table, 'efbfbdefbfbd', '--keys', 'hex']);
    expect(absent.code).toBe(1);
    expect(absent.stderr).toContain(`key "efbfbdefbfbd" is not in table "${table}"`);
    const scan = await runCli(['table', 'scan', table, '--keys', 'hex', '--prefix', 'ff', '--codec', 'int64']);
    expect((jsonLines(scan.stdout) as { key: string }[]).sort((a, b) => a.key.localeCompare(b.key))).toEqual([
      { key: 'fffd', value: 1 },
      { key: 'fffe', value: 2 },
    ]);
    const dump = await runCli(['table', 'dump', table, '--keys', 'hex', '--codec', 'int64']);
    expect(dump.code).toBe(0);
    expect(new Map((jsonLines(dump.stdout) as { key: string; value: number }[]).map((e) => [e.key, e.value]))).toEqual(new Map(ENTRIES.map(([hex, v]) => [hex, Number(v)])));
  });

  it('without --keys hex it fails naming the record and the flag, never merging the keys', async () => {
    const dump = await runCli(['table', 'dump', table]);
    expect(dump).toMatchObject({ code: 1, stdout: '' });
    expect(dump.stderr).toMatch(new RegExp(`topic "${table}", partition \\d, offset 0: cannot decode the key with key codec "utf8": key is not valid UTF-8 \\(bytes fff[ed]\\).*pass --keys hex`));
  });

  it('bad hex is a usage error', async () => {
    const result = await runCli(['table', 'get', table, 'xyz', '--keys', 'hex']);
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toContain('<key> must be hex digits, two per byte (--keys hex), got "xyz"');
    expect((await runCli(['table', 'dump', table, '--keys', 'base64'])).stderr).toContain('--keys must be one of utf8, hex, got "base64"');
  });
});
