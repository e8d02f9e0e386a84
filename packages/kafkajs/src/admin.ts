import { GokaError, StateError, TopicExistsError, UnknownTopicError } from '@goka-ts/api';
import type { Admin, GroupDescription, PartitionOffsets, TopicDescription, TopicPartitionOffset, TopicSpec } from '@goka-ts/api';
import { waitForTopicConfig } from '@goka-ts/adapter-kit';
import { ConfigResourceTypes, type Admin as KafkaJsAdmin, type Kafka } from 'kafkajs';
import { ClusterOps, type TopicInfo } from './cluster_ops';
import { isUnknownTopic, toGokaError } from './errors';
import type { ResolvedOptions } from './options';

/** Kafka's own topics, left out of {@link KafkajsAdmin.listTopics}. */
const INTERNAL_TOPICS = new Set(['__consumer_offsets', '__transaction_state']);
/** kafkajs ConfigSource of configs set on the topic itself. */
const TOPIC_CONFIG_SOURCE = 1;
/** How long the broker may take to create or delete a topic (ms). */
const TOPIC_OPERATION_TIMEOUT = 10000;

/**
 * Admin on kafkajs' admin client (topic creation, deletion, configs) plus plain metadata and
 * offset requests (see {@link ClusterOps}) for everything that would make the kafkajs admin
 * remember topics.
 */
export class KafkajsAdmin implements Admin {
  private readonly admin: KafkaJsAdmin;
  private readonly ops: ClusterOps;
  private connecting?: Promise<void>;

  constructor(kafka: Kafka, private readonly options: ResolvedOptions) {
    this.admin = kafka.admin({ retry: options.retry });
    this.ops = new ClusterOps(kafka, options.brokers, 'kafkajs admin');
  }

  connect(): Promise<void> {
    if (!this.connecting) {
      this.connecting = (async () => {
        try {
          await Promise.all([this.admin.connect(), this.ops.connect()]);
        } catch (err) {
          this.connecting = undefined;
          await this.disconnectAll();
          throw this.error(err, 'connect');
        }
      })();
    }
    return this.connecting;
  }

  async close(): Promise<void> {
    const connecting = this.connecting;
    this.connecting = undefined;
    await connecting?.catch(() => undefined);
    await this.disconnectAll();
  }

  async describeTopic(topic: string): Promise<TopicDescription | undefined> {
    await this.connect();
    const info = await this.ops.topicInfo(topic);
    if (!info) return undefined;
    const config = await this.topicConfig(topic, false);
    if (!config) return undefined; // deleted in between
    return { topic, partitions: info.partitions.length, replicationFactor: info.replicationFactor, config };
  }

  async createTopic(spec: TopicSpec): Promise<void> {
    await this.connect();
    let created: boolean;
    try {
      created = await this.admin.createTopics({
        topics: [
          {
            topic: spec.topic,
            numPartitions: spec.partitions,
            replicationFactor: spec.replicationFactor,
            configEntries: Object.entries(spec.config ?? {}).map(([name, value]) => ({ name, value })),
          },
        ],
        // kafkajs 2.2.4 waits for leaders retrying only LEADER_NOT_AVAILABLE, and gives up on the
        // UNKNOWN_TOPIC_OR_PARTITION a broker answers until the new topic reaches its metadata cache
        // (seen on a loaded machine): the wait below retries both.
        waitForLeaders: false,
        timeout: TOPIC_OPERATION_TIMEOUT,
      });
    } catch (err) {
      if (mentionsTopicExists(err)) throw new TopicExistsError(spec.topic, { cause: err });
      throw this.error(err, `create topic "${spec.topic}"`);
    }
    if (!created) throw new TopicExistsError(spec.topic);
    await this.waitForLeaders(spec.topic, spec.partitions);
  }

  /** Waits until the broker's metadata has every partition of a topic just created, each with a leader. */
  private async waitForLeaders(topic: string, partitions: number): Promise<void> {
    const deadline = Date.now() + TOPIC_OPERATION_TIMEOUT;
    for (;;) {
      const info = await this.ops.topicInfo(topic);
      if (info && info.partitions.length === partitions && info.leaders.every((leader) => leader >= 0)) return;
      if (Date.now() > deadline) {
        throw new GokaError(`kafkajs admin: topic "${topic}" was created, but its ${partitions} partitions have no leaders after ${TOPIC_OPERATION_TIMEOUT} ms`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async alterTopicConfig(topic: string, config: Readonly<Record<string, string>>): Promise<void> {
    await this.connect();
    // kafkajs has no IncrementalAlterConfigs and AlterConfigs replaces all of a topic's own configs,
    // so the topic's current own configs are merged in (a concurrent change in between can be lost).
    const current = await this.topicConfig(topic, true);
    if (!current) throw new UnknownTopicError(topic);
    const merged = { ...current, ...config };
    try {
      await this.admin.alterConfigs({
        validateOnly: false,
        resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configEntries: Object.entries(merged).map(([name, value]) => ({ name, value })) }],
      });
    } catch (err) {
      throw this.error(err, `alter configs of "${topic}"`, topic);
    }
    await waitForTopicConfig('kafkajs admin', topic, config, async () => (await this.describeTopic(topic))?.config);
  }

  async deleteTopic(topic: string): Promise<void> {
    await this.connect();
    // kafkajs retries deletion of a missing topic for its whole retry budget: check first.
    if (!(await this.ops.topicInfo(topic))) throw new UnknownTopicError(topic);
    try {
      await this.admin.deleteTopics({ topics: [topic], timeout: TOPIC_OPERATION_TIMEOUT });
    } catch (err) {
      throw this.error(err, `delete topic "${topic}"`, topic);
    }
  }

  async partitionOffsets(topic: string): Promise<PartitionOffsets[]> {
    await this.connect();
    const info = await this.ops.requireTopic(topic);
    const [oldest, newest] = await Promise.all([this.ops.listOffsets(info, info.partitions, 'earliest'), this.ops.listOffsets(info, info.partitions, 'latest')]);
    return info.partitions.map((partition) => ({ partition, oldest: oldest.get(partition)!, newest: newest.get(partition)! }));
  }

  async committedOffsets(groupId: string, topic: string): Promise<TopicPartitionOffset[]> {
    await this.connect();
    const info: TopicInfo = await this.ops.requireTopic(topic);
    const committed = await this.ops.committedOffsets(groupId, info);
    return info.partitions.map((partition) => ({ topic, partition, offset: committed.get(partition) ?? -1 }));
  }

  async listTopics(): Promise<string[]> {
    await this.connect();
    try {
      return (await this.admin.listTopics()).filter((topic) => !INTERNAL_TOPICS.has(topic)).sort();
    } catch (err) {
      throw this.error(err, 'list topics');
    }
  }

  async describeGroup(groupId: string): Promise<GroupDescription> {
    await this.connect();
    let group;
    try {
      group = (await this.admin.describeGroups([groupId])).groups.find((g) => g.groupId === groupId);
    } catch (err) {
      throw this.error(err, `describe group "${groupId}"`);
    }
    return {
      groupId,
      state: (group?.state ?? 'Unknown').toLowerCase(),
      members: (group?.members ?? []).map((m) => ({ memberId: m.memberId, clientId: m.clientId, host: m.clientHost })),
    };
  }

  async groupOffsets(groupId: string): Promise<TopicPartitionOffset[]> {
    await this.connect();
    let response;
    try {
      // No topics: OffsetFetch v3+ sends a null topic list, which answers every committed topic.
      response = await this.admin.fetchOffsets({ groupId });
    } catch (err) {
      throw this.error(err, `committed offsets of group "${groupId}"`);
    }
    return response
      .flatMap(({ topic, partitions }) => partitions.map((p) => ({ topic, partition: p.partition, offset: Number(p.offset) })))
      .filter((o) => o.offset >= 0)
      .sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
  }

  async setGroupOffsets(groupId: string, offsets: readonly TopicPartitionOffset[]): Promise<void> {
    const { members } = await this.describeGroup(groupId);
    if (members.length > 0) {
      throw new StateError(`cannot set offsets of group "${groupId}": it has active members (${members.map((m) => `${m.clientId}@${m.host}`).join(', ')}); stop them first`);
    }
    await this.ops.commitAsNoMember(groupId, offsets);
  }

  /** Effective configs (`ownOnly`: only those set on the topic), `undefined` for a missing topic. */
  private async topicConfig(topic: string, ownOnly: boolean): Promise<Record<string, string> | undefined> {
    let response;
    try {
      response = await this.admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }] });
    } catch (err) {
      if (isUnknownTopic(err)) return undefined;
      throw this.error(err, `describe configs of "${topic}"`, topic);
    }
    const config: Record<string, string> = {};
    for (const resource of response.resources) {
      for (const entry of resource.configEntries) {
        if (entry.configValue === null || entry.configValue === undefined) continue; // sensitive
        if (ownOnly && (entry.configSource as number) !== TOPIC_CONFIG_SOURCE) continue;
        config[entry.configName] = entry.configValue;
      }
    }
    return config;
  }

  private async disconnectAll(): Promise<void> {
    await Promise.allSettled([this.admin.disconnect(), this.ops.disconnect()]);
  }

  private error(err: unknown, what: string, topic?: string): Error {
    return toGokaError(err, { operation: `kafkajs admin: ${what}`, brokers: this.options.brokers, topic });
  }
}

/** kafkajs reports a creation race as TOPIC_ALREADY_EXISTS, possibly inside an aggregate error. */
function mentionsTopicExists(err: unknown): boolean {
  const e = err as { type?: string; errors?: unknown[]; cause?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  if (e.type === 'TOPIC_ALREADY_EXISTS') return true;
  return (Array.isArray(e.errors) && e.errors.some(mentionsTopicExists)) || (e.cause !== undefined && e.cause !== err && mentionsTopicExists(e.cause));
}
