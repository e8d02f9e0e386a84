/// <reference types="jest" />
import { StateError, UnknownTopicError } from '@goka-ts/api';
import { GroupCollector, start, uniqueName, waitFor, type SuiteContext } from './harness';

export function adminTests(ctx: SuiteContext): void {
  describe('admin', () => {
    afterEach(() => ctx.cleanup());

    it('creates a compacted topic and describes it with its effective configs', async () => {
      const topic = await ctx.createTopic('admin-compact', 3, { 'cleanup.policy': 'compact' });
      const description = await ctx.admin.describeTopic(topic);
      expect(description).toMatchObject({ topic, partitions: 3, replicationFactor: ctx.replicationFactor });
      expect(description!.config['cleanup.policy']).toBe('compact');
      // Effective configs include broker defaults, not only what was set.
      expect(description!.config['retention.ms']).toMatch(/^-?\d+$/);
      // Usable right away.
      const offsets = await ctx.admin.partitionOffsets(topic);
      expect(offsets).toEqual([0, 1, 2].map((partition) => ({ partition, oldest: 0, newest: 0 })));
    });

    it('describes a missing topic as undefined and refuses to create an existing one', async () => {
      expect(await ctx.admin.describeTopic(uniqueName('missing'))).toBeUndefined();
      const topic = await ctx.createTopic('admin-exists', 1);
      await expect(ctx.admin.createTopic({ topic, partitions: 1, replicationFactor: ctx.replicationFactor })).rejects.toThrow(topic);
    });

    it('alters topic configs without dropping the others', async () => {
      const topic = await ctx.createTopic('admin-alter', 1, { 'cleanup.policy': 'compact', 'segment.ms': '3600000' });
      await ctx.admin.alterTopicConfig(topic, { 'retention.ms': '7200000' });
      const config = (await ctx.admin.describeTopic(topic))!.config;
      expect(config['retention.ms']).toBe('7200000');
      expect(config['cleanup.policy']).toBe('compact');
      expect(config['segment.ms']).toBe('3600000');
      await ctx.admin.alterTopicConfig(topic, { 'cleanup.policy': 'compact,delete' });
      const again = (await ctx.admin.describeTopic(topic))!.config;
      expect(again['cleanup.policy']).toBe('compact,delete');
      expect(again['retention.ms']).toBe('7200000');
    });

    it('lists the oldest and newest offset of every partition', async () => {
      const topic = await ctx.createTopic('admin-offsets', 2);
      await ctx.produce(topic, 0, 3);
      expect(await ctx.admin.partitionOffsets(topic)).toEqual([
        { partition: 0, oldest: 0, newest: 3 },
        { partition: 1, oldest: 0, newest: 0 },
      ]);
      expect(await ctx.admin.committedOffsets(uniqueName('nobody'), topic)).toEqual([
        { topic, partition: 0, offset: -1 },
        { topic, partition: 1, offset: -1 },
      ]);
    });

    it('lists topics without the internal ones', async () => {
      const topic = await ctx.createTopic('admin-list', 1);
      const topics = await ctx.admin.listTopics();
      expect(topics).toContain(topic);
      expect(topics).not.toContain('__consumer_offsets');
      expect([...topics].sort()).toEqual(topics);
    });

    it('describes groups, reads all their offsets and sets them only while they have no members', async () => {
      const topic = await ctx.createTopic('admin-group', 2);
      await ctx.produce(topic, 0, 3);
      const group = uniqueName('admin-group');
      expect((await ctx.admin.describeGroup(group)).members).toEqual([]);
      expect(await ctx.admin.groupOffsets(group)).toEqual([]);

      await ctx.admin.setGroupOffsets(group, [{ topic, partition: 0, offset: 2 }, { topic, partition: 1, offset: 0 }]);
      expect(await ctx.admin.groupOffsets(group)).toEqual([{ topic, partition: 0, offset: 2 }, { topic, partition: 1, offset: 0 }]);
      expect(await ctx.admin.committedOffsets(group, topic)).toEqual([{ topic, partition: 0, offset: 2 }, { topic, partition: 1, offset: 0 }]);
      const stopped = await ctx.admin.describeGroup(group);
      expect(stopped).toMatchObject({ groupId: group, members: [] });
      expect(['empty', 'dead']).toContain(stopped.state);

      const collector = new GroupCollector();
      start(ctx.groupConsumer(group, [topic], 'oldest'), collector);
      await waitFor('the member holds both partitions', () => collector.held().length === 2, 20000);
      const running = await ctx.admin.describeGroup(group);
      expect(running.state).toBe('stable');
      expect(running.members).toHaveLength(1);
      await expect(ctx.admin.setGroupOffsets(group, [{ topic, partition: 0, offset: 0 }])).rejects.toBeInstanceOf(StateError);
      expect(await ctx.admin.committedOffsets(group, topic)).toEqual([{ topic, partition: 0, offset: 2 }, { topic, partition: 1, offset: 0 }]);
    });

    it('deletes a topic', async () => {
      const topic = uniqueName('admin-delete');
      await ctx.admin.createTopic({ topic, partitions: 1, replicationFactor: ctx.replicationFactor });
      await ctx.admin.deleteTopic(topic);
      await waitFor('topic gone', async () => (await ctx.admin.describeTopic(topic)) === undefined);
      await expect(ctx.admin.partitionOffsets(topic)).rejects.toBeInstanceOf(UnknownTopicError);
    });
  });
}
