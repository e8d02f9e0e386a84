import { UnknownTopicError, type Admin, type KafkaClient } from '@goka-ts/api';
import { TopicManager, silentLogger } from '@goka-ts/core';
import type { Command, CommandContext } from '../command';
import { integerFlag } from '../flag_values';
import { textTable } from '../text_table';
import { UsageError } from '../usage_error';

const JSON_FLAG = { type: 'boolean', description: 'one JSON object per line instead of a table' } as const;

async function withAdmin<T>(client: KafkaClient, use: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = client.admin();
  await admin.connect();
  try {
    return await use(admin);
  } finally {
    await admin.close();
  }
}

function isCompacted(policy: string | undefined): boolean {
  return (policy ?? '').split(',').map((p) => p.trim()).includes('compact');
}

export const topicsList: Command = {
  name: 'topics list',
  summary: 'every topic with its partition count, replication and cleanup policy',
  positionals: [],
  flags: { json: JSON_FLAG },
  async run(context: CommandContext, { values }) {
    const rows = await withAdmin(await context.client(), async (admin) => {
      const names = await admin.listTopics();
      const described = await Promise.all(names.map((name) => admin.describeTopic(name)));
      // A topic deleted between the list and its description is left out.
      return described.filter((d) => d !== undefined);
    });
    if (values.json) {
      for (const d of rows) {
        const policy = d.config['cleanup.policy'] ?? 'delete';
        context.io.out(JSON.stringify({ topic: d.topic, partitions: d.partitions, replicationFactor: d.replicationFactor, cleanupPolicy: policy, compacted: isCompacted(policy) }));
      }
      return;
    }
    const table = [['TOPIC', 'PARTITIONS', 'REPLICATION', 'CLEANUP.POLICY']];
    for (const d of rows) table.push([d.topic, String(d.partitions), String(d.replicationFactor), d.config['cleanup.policy'] ?? 'delete']);
    for (const line of textTable(table)) context.io.out(line);
  },
};

export const topicsEnsure: Command = {
  name: 'topics ensure',
  summary: 'create a topic unless it exists; an existing one must match (partitions, compaction)',
  positionals: ['<topic>'],
  flags: {
    partitions: { type: 'string', valueName: 'N', description: 'partition count (required)' },
    compact: { type: 'boolean', description: 'a table topic: cleanup.policy=compact' },
    replication: { type: 'string', valueName: 'R', description: "replication factor of a created topic (default: the broker's default)" },
  },
  async run(context, { positionals, values }) {
    const [topic] = positionals as [string];
    const partitions = integerFlag(values, 'partitions', this.name, 1);
    if (partitions === undefined) throw new UsageError('--partitions N is required', this.name);
    const replication = integerFlag(values, 'replication', this.name, 1) ?? -1;
    const client = await context.client();
    const manager = await TopicManager.connect(client, { tableReplication: replication, streamReplication: replication, mismatch: 'fail', logger: silentLogger });
    try {
      const existed = (await withAdmin(client, (admin) => admin.describeTopic(topic))) !== undefined;
      if (values.compact) await manager.ensureTable(topic, partitions);
      else await manager.ensureStream(topic, partitions);
      context.io.out(`${existed ? 'exists' : 'created'} ${topic} (${partitions} partitions${values.compact ? ', compacted' : ''})`);
    } finally {
      await manager.close();
    }
  },
};

export const topicsDescribe: Command = {
  name: 'topics describe',
  summary: "a topic's partitions, replication, configs and per-partition offsets",
  positionals: ['<topic>'],
  flags: { json: JSON_FLAG },
  async run(context, { positionals, values }) {
    const [topic] = positionals as [string];
    const { description, offsets } = await withAdmin(await context.client(), async (admin) => {
      const description = await admin.describeTopic(topic);
      if (!description) throw new UnknownTopicError(topic);
      return { description, offsets: await admin.partitionOffsets(topic) };
    });
    const policy = description.config['cleanup.policy'] ?? 'delete';
    if (values.json) {
      context.io.out(JSON.stringify({ ...description, cleanupPolicy: policy, compacted: isCompacted(policy), offsets }));
      return;
    }
    const { io } = context;
    io.out(`topic:        ${topic}`);
    io.out(`partitions:   ${description.partitions}`);
    io.out(`replication:  ${description.replicationFactor}`);
    io.out(`compacted:    ${isCompacted(policy) ? 'yes' : 'no'} (cleanup.policy=${policy})`);
    io.out('');
    for (const line of textTable([['PARTITION', 'OLDEST', 'NEWEST'], ...offsets.map((o) => [String(o.partition), String(o.oldest), String(o.newest)])])) io.out(line);
    io.out('');
    io.out('configs:');
    for (const [name, value] of Object.entries(description.config).sort(([a], [b]) => (a < b ? -1 : 1))) io.out(`  ${name}=${value}`);
  },
};
