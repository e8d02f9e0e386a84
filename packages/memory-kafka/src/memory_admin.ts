import {
  StateError,
  type Admin,
  type GroupDescription,
  type PartitionOffsets,
  type TopicDescription,
  type TopicPartitionOffset,
  type TopicSpec,
} from '@goka-ts/api';
import type { MemoryBroker } from './memory_broker';

/** Topic and offset administration of the in-memory broker. Every call after {@link close} rejects with {@link StateError}. */
export class MemoryAdmin implements Admin {
  private closed = false;

  constructor(private readonly broker: MemoryBroker) {}

  async connect(): Promise<void> {
    this.check('connect');
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  async describeTopic(topic: string): Promise<TopicDescription | undefined> {
    this.check('describe a topic');
    return this.broker.topic(topic)?.describe();
  }

  async createTopic(spec: TopicSpec): Promise<void> {
    this.check('create a topic');
    this.broker.createTopic(spec);
  }

  async alterTopicConfig(topic: string, config: Readonly<Record<string, string>>): Promise<void> {
    this.check('alter a topic');
    this.broker.requireTopic(topic).alterConfig(config);
  }

  async deleteTopic(topic: string): Promise<void> {
    this.check('delete a topic');
    this.broker.deleteTopic(topic);
  }

  async partitionOffsets(topic: string): Promise<PartitionOffsets[]> {
    this.check('read offsets');
    return this.broker.requireTopic(topic).logs.map((log) => ({ partition: log.partition, oldest: log.oldest, newest: log.highWatermark }));
  }

  async committedOffsets(groupId: string, topic: string): Promise<TopicPartitionOffset[]> {
    this.check('read committed offsets');
    const group = this.broker.existingGroup(groupId);
    return this.broker.requireTopic(topic).logs.map(({ partition }) => ({
      topic,
      partition,
      offset: group?.committedOffset(topic, partition) ?? -1,
    }));
  }

  async listTopics(): Promise<string[]> {
    this.check('list topics');
    return this.broker.topicNames().sort();
  }

  async describeGroup(groupId: string): Promise<GroupDescription> {
    this.check('describe a group');
    const group = this.broker.existingGroup(groupId);
    if (!group) return { groupId, state: 'dead', members: [] };
    const members = group.memberIds().map((memberId) => ({ memberId, clientId: 'memory-kafka', host: 'localhost' }));
    return { groupId, state: members.length > 0 ? 'stable' : 'empty', members };
  }

  async groupOffsets(groupId: string): Promise<TopicPartitionOffset[]> {
    this.check('read committed offsets');
    return this.broker.existingGroup(groupId)?.committedOffsets() ?? [];
  }

  async setGroupOffsets(groupId: string, offsets: readonly TopicPartitionOffset[]): Promise<void> {
    this.check('set committed offsets');
    const existing = this.broker.existingGroup(groupId);
    const members = existing?.memberIds() ?? [];
    if (members.length > 0) {
      throw new StateError(`cannot set offsets of group "${groupId}": it has active members (${members.join(', ')}); stop them first`);
    }
    for (const { topic, partition } of offsets) {
      const partitions = this.broker.requireTopic(topic).partitions;
      if (partition < 0 || partition >= partitions) throw new RangeError(`topic "${topic}" has no partition ${partition} (it has ${partitions})`);
    }
    (existing ?? this.broker.group(groupId)).commit(offsets);
  }

  private check(what: string): void {
    if (this.closed) throw new StateError(`cannot ${what}: the admin client is closed`);
  }
}
