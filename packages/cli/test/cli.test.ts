/**
 * The built `goka-ts` bin as a child process against the real broker: topics, a table a real
 * processor filled, the lag and offset reset of that processor's group, and usage errors.
 */
import { waitForGroupCaughtUp } from '@goka-ts/core';
import { kafkajsClient } from '@goka-ts/kafkajs';
import { brokersFromEnv, counterInput, type RunningProcessor, startCounter, stopStarted, TestCluster, uniqueName, waitFor } from '@goka-ts/test-support';
import { jsonLines, runCli } from './run_cli';

describe('goka-ts (real broker)', () => {
  let cluster: TestCluster;
  const id = uniqueName('cli');
  const input = `${id}-in`;
  const group = `${id}-counter`;
  const table = `${group}-table`;
  const { records } = counterInput(20, 5); // key-0 .. key-4, four messages each

  beforeAll(async () => {
    cluster = new TestCluster(kafkajsClient({ brokers: brokersFromEnv() }));
    await cluster.createTopic(input, 2);
    cluster.ownGroup(group);
    await cluster.produce(input, records);
  });
  afterAll(async () => {
    await stopStarted();
    await cluster.close();
  });

  describe('usage errors exit 2 and say what is wrong', () => {
    it.each([
      [[], 'no command given'],
      [['topics', 'frobnicate'], 'unknown command "topics frobnicate": topics has list, ensure, describe'],
      [['topics', 'ensure', 'x'], '--partitions N is required'],
      [['topics', 'ensure', 'x', '--partitions', 'two'], '--partitions must be an integer >= 1, got "two"'],
      [['topics', 'describe'], 'expected <topic>, got none'],
      [['table', 'dump', 't', '--codec', 'xml'], '--codec must be one of string, json, int64, bytes, got "xml"'],
      [['group', 'reset', 'g'], '--to oldest|newest is required'],
      [['group', 'lag', 'g', '--nope'], "Unknown option '--nope'"],
      [['topics', 'list', '--client', 'sarama'], '--client must be one of kafkajs, confluent, platformatic, got "sarama"'],
    ])('%j', async (args, message) => {
      const result = await runCli(args);
      expect(result).toMatchObject({ code: 2, stdout: '' });
      expect(result.stderr).toContain(message);
    });

    it('without brokers', async () => {
      const result = await runCli(['topics', 'list'], { GOKA_BROKERS: undefined });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('no brokers: pass --brokers host:port or set GOKA_BROKERS');
    });

    it('--help exits 0, per command too', async () => {
      const all = await runCli(['--help']);
      expect(all.code).toBe(0);
      for (const command of ['topics list', 'topics ensure', 'topics describe', 'table get', 'table scan', 'table dump', 'group lag', 'group reset']) expect(all.stdout).toContain(command);
      const one = await runCli(['group', 'reset', '--help']);
      expect(one.code).toBe(0);
      expect(one.stdout).toContain('usage: goka-ts group reset <group> [flags]');
      expect(one.stdout).toContain('--to oldest|newest');
    });
  });

  it('an unreachable broker fails with exit 1 naming the command and the broker', async () => {
    const result = await runCli(['topics', 'list', '--brokers', '127.0.0.1:1']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('goka-ts topics list: kafkajs admin: connect: cannot reach Kafka brokers 127.0.0.1:1');
  });

  it('topics ensure creates once, then checks; list and describe show partitions and compaction', async () => {
    const topic = `${id}-ensured`;
    await cluster.createTopic(topic, 1);
    const mismatch = await runCli(['topics', 'ensure', topic, '--partitions', '3', '--compact']);
    expect(mismatch.code).toBe(1);
    expect(mismatch.stderr).toContain(`topic "${topic}" does not match its specification`);

    const fresh = `${id}-fresh-table`;
    cluster.ownGroup(`${id}-fresh`); // the cluster deletes "<group>-table" topics on close
    const created = await runCli(['topics', 'ensure', fresh, '--partitions', '3', '--compact']);
    expect(created).toMatchObject({ code: 0, stdout: `created ${fresh} (3 partitions, compacted)\n` });
    const again = await runCli(['topics', 'ensure', fresh, '--partitions', '3', '--compact']);
    expect(again).toMatchObject({ code: 0, stdout: `exists ${fresh} (3 partitions, compacted)\n` });

    const list = await runCli(['topics', 'list', '--json']);
    expect(list.code).toBe(0);
    const entries = jsonLines(list.stdout);
    expect(entries).toContainEqual({ topic: fresh, partitions: 3, replicationFactor: 1, cleanupPolicy: 'compact', compacted: true });
    expect(entries).toContainEqual({ topic: input, partitions: 2, replicationFactor: 1, cleanupPolicy: 'delete', compacted: false });
    const text = await runCli(['topics', 'list']);
    expect(text.stdout).toMatch(new RegExp(`^${fresh}\\s+3\\s+1\\s+compact$`, 'm'));

    const describe = await runCli(['topics', 'describe', input, '--json']);
    expect(describe.code).toBe(0);
    const [description] = jsonLines(describe.stdout) as [{ partitions: number; compacted: boolean; offsets: { partition: number; newest: number }[] }];
    expect(description).toMatchObject({ partitions: 2, compacted: false });
    expect(description.offsets.reduce((sum, o) => sum + o.newest, 0)).toBe(20);

    const missing = await runCli(['topics', 'describe', `${id}-missing`]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`goka-ts topics describe: topic "${id}-missing" does not exist`);
  });

  describe('a group and its table', () => {
    let counter: RunningProcessor | undefined;

    it('group lag shows the backlog of a stopped group reset to the oldest offsets', async () => {
      const reset = await runCli(['group', 'reset', group, '--to', 'oldest', '--topics', input]);
      expect(reset.code).toBe(0);
      expect(reset.stdout).toMatch(new RegExp(`^${input}\\s+0\\s+-\\s+0$`, 'm'));
      const lag = await runCli(['group', 'lag', group, '--json']);
      expect(lag.code).toBe(0);
      const [result] = jsonLines(lag.stdout) as [{ total: number; partitions: { committed: number; lag: number; highWatermark: number }[] }];
      expect(result.total).toBe(20);
      expect(result.partitions.map((p) => [p.committed, p.lag])).toEqual(result.partitions.map((p) => [0, p.highWatermark]));
      const text = await runCli(['group', 'lag', group]);
      expect(text.stdout).toContain('total lag 20');
    });

    it('group lag is 0 once a processor caught up; reset is refused while it runs', async () => {
      counter = startCounter({ client: cluster.client, group, input });
      await waitForGroupCaughtUp(cluster.client, group, { timeoutMs: 30_000 });
      const lag = await runCli(['group', 'lag', group]);
      expect(lag.code).toBe(0);
      expect(lag.stdout).toMatch(/^TOPIC\s+PARTITION\s+COMMITTED\s+HIGH-WATERMARK\s+LAG$/m);
      expect(lag.stdout).toContain('total lag 0');

      const refused = await runCli(['group', 'reset', group, '--to', 'oldest']);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(new RegExp(`group "${group}" is running \\(stable, 1 member: .*\\); stop every instance before resetting its offsets`));
      expect(await cluster.committedTotal(group, input)).toBe(20);
    });

    it('table get, scan and dump read the table the processor wrote', async () => {
      await counter!.processor.waitRunning();
      const get = await runCli(['table', 'get', table, 'key-3', '--codec', 'int64']);
      expect(get).toMatchObject({ code: 0, stdout: '{"key":"key-3","value":4}\n' });
      const absent = await runCli(['table', 'get', table, 'nobody', '--codec', 'int64']);
      expect(absent.code).toBe(1);
      expect(absent.stderr).toContain(`key "nobody" is not in table "${table}"`);

      const scan = await runCli(['table', 'scan', table, '--prefix', 'key-1', '--codec', 'int64']);
      expect(jsonLines(scan.stdout)).toEqual([{ key: 'key-1', value: 4 }]);

      const dump = await runCli(['table', 'dump', table, '--codec', 'int64', '--progress', 'always']);
      expect(dump.code).toBe(0);
      const entries = jsonLines(dump.stdout) as { key: string; value: number }[];
      expect(entries.map((e) => e.key).sort()).toEqual(['key-0', 'key-1', 'key-2', 'key-3', 'key-4']);
      expect(entries.every((e) => e.value === 4)).toBe(true);
      expect(dump.stderr).toMatch(new RegExp(`recovering ${table} \\[#+\\] 100% \\d+/\\d+ offsets`));
      const quiet = await runCli(['table', 'dump', table]);
      expect(quiet.stderr).toBe(''); // stderr is a pipe here: no bar by default

      const bytes = await runCli(['table', 'get', table, 'key-0', '--codec', 'bytes', '--client', 'confluent']);
      expect(bytes).toMatchObject({ code: 0, stdout: `{"key":"key-0","value":"${Buffer.from('4').toString('base64')}"}\n` });
      const undecodable = await runCli(['table', 'dump', input, '--codec', 'int64']);
      expect(undecodable.code).toBe(1);
      expect(undecodable.stderr).toMatch(/goka-ts table dump: view of table ".*": cannot decode the value of key "key-\d" \(partition \d\) with codec "int64"/);
      const missing = await runCli(['table', 'dump', `${id}-no-table`]);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain(`${id}-no-table`);
    });

    it('group reset on the stopped group moves its committed offsets to oldest and newest', async () => {
      await counter!.stop();
      await waitFor('the group to be empty', async () => {
        const admin = cluster.client.admin();
        await admin.connect();
        try {
          return (await admin.describeGroup(group)).members.length === 0;
        } finally {
          await admin.close();
        }
      }, 15_000);
      const oldest = await runCli(['group', 'reset', group, '--to', 'oldest']);
      expect(oldest.code).toBe(0);
      expect((await cluster.committed(group, input)).map((o) => o.offset)).toEqual([0, 0]);
      expect((await runCli(['group', 'lag', group])).stdout).toContain('total lag 20');

      const newest = await runCli(['group', 'reset', group, '--to', 'newest']);
      expect(newest.code).toBe(0);
      const hwm = (await cluster.partitionOffsets(input)).map((p) => p.newest);
      expect((await cluster.committed(group, input)).map((o) => o.offset)).toEqual(hwm);
      expect(newest.stdout).toMatch(new RegExp(`^${input}\\s+0\\s+0\\s+${hwm[0]}$`, 'm'));
    });
  });
});
