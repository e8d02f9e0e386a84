import type { TopicPartitionOffset } from '@goka-ts/api';
import { groupLag } from '@goka-ts/core';
import type { Command, FlagSpec } from '../command';
import { choiceFlag } from '../flag_values';
import { textTable } from '../text_table';
import { UsageError } from '../usage_error';

const TOPICS_FLAG: FlagSpec = { type: 'string', valueName: 'T1,T2', description: 'topics to cover (default: every topic the group committed offsets for)' };

function topicsOf(values: Readonly<Record<string, string | boolean | undefined>>, command: string): string[] | undefined {
  const raw = values.topics as string | undefined;
  if (raw === undefined) return undefined;
  const topics = raw.split(',').map((t) => t.trim()).filter((t) => t.length > 0);
  if (topics.length === 0) throw new UsageError('--topics needs at least one topic name', command);
  return topics;
}

export const groupLagCommand: Command = {
  name: 'group lag',
  summary: "committed offset, high watermark and lag of each partition of a consumer group's topics",
  positionals: ['<group>'],
  flags: { topics: TOPICS_FLAG, json: { type: 'boolean', description: 'the result as one JSON object' } },
  async run(context, { positionals, values }) {
    const [group] = positionals as [string];
    const lag = await groupLag(await context.client(), group, topicsOf(values, this.name));
    if (values.json) {
      context.io.out(JSON.stringify(lag));
      return;
    }
    if (lag.partitions.length === 0) {
      context.io.out(`group ${group} has no committed offsets (name its topics with --topics to see their lag)`);
      return;
    }
    const rows = lag.partitions.map((p) => [p.topic, String(p.partition), p.committed < 0 ? '-' : String(p.committed), String(p.highWatermark), String(p.lag)]);
    for (const line of textTable([['TOPIC', 'PARTITION', 'COMMITTED', 'HIGH-WATERMARK', 'LAG'], ...rows])) context.io.out(line);
    context.io.out(`total lag ${lag.total}`);
  },
};

export const groupReset: Command = {
  name: 'group reset',
  summary: "set a stopped group's committed offsets to the oldest or newest offsets (refused while it has members)",
  positionals: ['<group>'],
  flags: {
    to: { type: 'string', valueName: 'oldest|newest', description: 'where the group resumes (required)' },
    topics: TOPICS_FLAG,
  },
  async run(context, { positionals, values }) {
    const [group] = positionals as [string];
    if (values.to === undefined) throw new UsageError('--to oldest|newest is required', this.name);
    const to = choiceFlag(values, 'to', this.name, ['oldest', 'newest'] as const, 'oldest');
    const named = topicsOf(values, this.name);
    const admin = (await context.client()).admin();
    await admin.connect();
    try {
      const { members, state } = await admin.describeGroup(group);
      if (members.length > 0) {
        const who = members.map((m) => `${m.clientId} on ${m.host}`).join(', ');
        throw new Error(`group "${group}" is running (${state}, ${members.length} member${members.length === 1 ? '' : 's'}: ${who}); stop every instance before resetting its offsets`);
      }
      const before = await admin.groupOffsets(group);
      const topics = named ?? [...new Set(before.map((o) => o.topic))];
      if (topics.length === 0) throw new Error(`group "${group}" has no committed offsets: name the topics to reset with --topics`);
      const offsets: TopicPartitionOffset[] = [];
      for (const topic of topics) {
        for (const p of await admin.partitionOffsets(topic)) offsets.push({ topic, partition: p.partition, offset: to === 'oldest' ? p.oldest : p.newest });
      }
      await admin.setGroupOffsets(group, offsets);
      const old = new Map(before.map((o) => [`${o.topic}/${o.partition}`, o.offset]));
      const rows = offsets.map((o) => [o.topic, String(o.partition), String(old.get(`${o.topic}/${o.partition}`) ?? '-'), String(o.offset)]);
      for (const line of textTable([['TOPIC', 'PARTITION', 'BEFORE', 'AFTER'], ...rows])) context.io.out(line);
    } finally {
      await admin.close();
    }
  },
};
