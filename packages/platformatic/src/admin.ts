import { GokaError, StateError, TopicExistsError, UnknownTopicError } from '@goka-ts/api';
import type {
  Admin, GroupDescription, PartitionOffsets, TopicDescription, TopicPartitionOffset, TopicSpec,
} from '@goka-ts/api';
import { waitForTopicConfig } from '@goka-ts/adapter-kit';
import { Admin as PltAdmin, ConfigResourceTypes, FetchIsolationLevels, IncrementalAlterConfigOperationTypes, ListOffsetTimestamps } from '@platformatic/kafka';
import { topicInfo, type TopicInfo } from './cluster';
import { hasProtocolError, isUnknownTopic, toGokaError } from './errors';
import type { ResolvedOptions } from './options';
import { sleep } from './retry';

const INTERNAL_TOPICS = new Set(['__consumer_offsets', '__transaction_state']);
/** How long createTopic waits for the new topic's leaders to show in metadata (ms). */
const TOPIC_READY_TIMEOUT_MS = 15000;


type State = 'idle' | 'connected' | 'closed';

/** {@link Admin} on a `@platformatic/kafka` Admin client (connections open on first use). */
export class PlatformaticAdmin implements Admin {
  private state: State = 'idle';
  private admin?: PltAdmin;
  private readonly name = 'platformatic admin';

  constructor(private readonly options: ResolvedOptions) {}

  async connect(): Promise<void> {
    if (this.state === 'closed') throw new StateError(`${this.name}: connect() after close()`);
    if (this.state === 'connected') return;
    const admin = new PltAdmin({ ...this.options.base });
    try {
      await admin.metadata({ topics: [] });
    } catch (err) {
      await admin.close().catch(() => undefined);
      throw this.error(err, 'connect');
    }
    this.admin = admin;
    this.state = 'connected';
  }

  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    await this.admin?.close().catch(() => undefined);
  }

  async describeTopic(topic: string): Promise<TopicDescription | undefined> {
    const admin = await this.ready();
    let info: TopicInfo | undefined;
    let replicationFactor = 0;
    try {
      const metadata = await admin.metadata({ topics: [topic], forceUpdate: true }).catch((err: unknown) => {
        if (isUnknownTopic(err)) return undefined;
        throw err;
      });
      const t = metadata?.topics.get(topic);
      if (!t || t.partitionsCount === 0) return undefined;
      info = { topic, id: t.id, partitions: t.partitionsCount };
      replicationFactor = t.partitions[0]?.replicas.length ?? 0;
      const [described] = await admin.describeConfigs({ resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: topic }] });
      const config: Record<string, string> = {};
      for (const c of described?.configs ?? []) if (c.value !== null && c.value !== undefined) config[c.name] = c.value;
      return { topic, partitions: info.partitions, replicationFactor, config };
    } catch (err) {
      if (isUnknownTopic(err)) return undefined;
      throw this.error(err, `describe topic "${topic}"`, topic);
    }
  }

  async createTopic(spec: TopicSpec): Promise<void> {
    const admin = await this.ready();
    try {
      await admin.createTopics({
        topics: [spec.topic],
        partitions: spec.partitions,
        replicas: spec.replicationFactor,
        configs: Object.entries(spec.config ?? {}).map(([name, value]) => ({ name, value })),
      });
    } catch (err) {
      if (hasProtocolError(err, 'TOPIC_ALREADY_EXISTS')) throw new TopicExistsError(spec.topic, { cause: err });
      throw this.error(err, `create topic "${spec.topic}"`);
    }
    const deadline = Date.now() + TOPIC_READY_TIMEOUT_MS;
    for (;;) {
      const metadata = await admin.metadata({ topics: [spec.topic], forceUpdate: true }).catch(() => undefined);
      const t = metadata?.topics.get(spec.topic);
      if (t && t.partitionsCount === spec.partitions && t.partitions.every((p) => p && p.leader >= 0)) return;
      if (Date.now() > deadline) throw new GokaError(`${this.name}: topic "${spec.topic}" was created but has no leaders after ${TOPIC_READY_TIMEOUT_MS} ms`);
      await sleep(100);
    }
  }

  async alterTopicConfig(topic: string, config: Readonly<Record<string, string>>): Promise<void> {
    const admin = await this.ready();
    try {
      await admin.incrementalAlterConfigs({
        resources: [{
          resourceType: ConfigResourceTypes.TOPIC,
          resourceName: topic,
          configs: Object.entries(config).map(([name, value]) => ({ name, value, configOperation: IncrementalAlterConfigOperationTypes.SET })),
        }],
      });
    } catch (err) {
      throw this.error(err, `alter configs of "${topic}"`, topic);
    }
    await waitForTopicConfig('platformatic admin', topic, config, async () => (await this.describeTopic(topic))?.config);
  }

  async deleteTopic(topic: string): Promise<void> {
    const admin = await this.ready();
    try {
      await admin.deleteTopics({ topics: [topic] });
    } catch (err) {
      throw this.error(err, `delete topic "${topic}"`, topic);
    }
  }

  async partitionOffsets(topic: string): Promise<PartitionOffsets[]> {
    const admin = await this.ready();
    const info = await this.requireTopic(admin, topic);
    const list = async (timestamp: bigint) => {
      const [listed] = await admin.listOffsets({
        isolationLevel: FetchIsolationLevels.READ_UNCOMMITTED,
        topics: [{ name: topic, partitions: range(info.partitions).map((partitionIndex) => ({ partitionIndex, timestamp })) }],
      });
      return new Map((listed?.partitions ?? []).map((p) => [p.partitionIndex, Number(p.offset)]));
    };
    try {
      const [oldest, newest] = await Promise.all([list(ListOffsetTimestamps.EARLIEST), list(ListOffsetTimestamps.LATEST)]);
      return range(info.partitions).map((partition) => ({ partition, oldest: oldest.get(partition) ?? 0, newest: newest.get(partition) ?? 0 }));
    } catch (err) {
      throw this.error(err, `offsets of "${topic}"`, topic);
    }
  }

  async committedOffsets(groupId: string, topic: string): Promise<TopicPartitionOffset[]> {
    const admin = await this.ready();
    const info = await this.requireTopic(admin, topic);
    let committed: Map<number, number>;
    try {
      const [group] = await admin.listConsumerGroupOffsets({ groups: [{ groupId, topics: [{ name: topic, partitionIndexes: range(info.partitions) }] }] });
      committed = new Map((group?.topics.find((t) => t.name === topic)?.partitions ?? []).map((p) => [p.partitionIndex, Number(p.committedOffset)]));
    } catch (err) {
      throw this.error(err, `committed offsets of group "${groupId}"`, topic);
    }
    return range(info.partitions).map((partition) => ({ topic, partition, offset: committed.get(partition) ?? -1 }));
  }

  async listTopics(): Promise<string[]> {
    const admin = await this.ready();
    try {
      return (await admin.listTopics({ includeInternals: false })).filter((t) => !INTERNAL_TOPICS.has(t)).sort();
    } catch (err) {
      throw this.error(err, 'list topics');
    }
  }

  async describeGroup(groupId: string): Promise<GroupDescription> {
    const admin = await this.ready();
    try {
      const group = (await admin.describeGroups({ groups: [groupId] })).get(groupId);
      return {
        groupId,
        state: (group?.state ?? 'UNKNOWN').replace(/_/g, '').toLowerCase(),
        members: [...(group?.members.values() ?? [])].map((m) => ({ memberId: m.id, clientId: m.clientId, host: m.clientHost })),
      };
    } catch (err) {
      throw this.error(err, `describe group "${groupId}"`);
    }
  }

  async groupOffsets(groupId: string): Promise<TopicPartitionOffset[]> {
    const admin = await this.ready();
    try {
      const [group] = await admin.listConsumerGroupOffsets({ groups: [groupId] });
      const out: TopicPartitionOffset[] = [];
      for (const t of group?.topics ?? []) {
        for (const p of t.partitions) if (p.committedOffset >= 0n) out.push({ topic: t.name, partition: p.partitionIndex, offset: Number(p.committedOffset) });
      }
      return out.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
    } catch (err) {
      throw this.error(err, `committed offsets of group "${groupId}"`);
    }
  }

  async setGroupOffsets(groupId: string, offsets: readonly TopicPartitionOffset[]): Promise<void> {
    const admin = await this.ready();
    const described = await this.describeGroup(groupId);
    if (described.members.length > 0) {
      throw new StateError(`${this.name}: group "${groupId}" has members (${described.members.map((m) => m.memberId).join(', ')}); stop them before setting its offsets`);
    }
    const byTopic = new Map<string, Array<{ partition: number; offset: bigint }>>();
    for (const o of offsets) {
      let list = byTopic.get(o.topic);
      if (!list) byTopic.set(o.topic, (list = []));
      list.push({ partition: o.partition, offset: BigInt(o.offset) });
    }
    try {
      await admin.alterConsumerGroupOffsets({ groupId, topics: [...byTopic].map(([name, partitionOffsets]) => ({ name, partitionOffsets })) });
    } catch (err) {
      if (hasProtocolError(err, 'UNKNOWN_MEMBER_ID') || hasProtocolError(err, 'REBALANCE_IN_PROGRESS') || hasProtocolError(err, 'ILLEGAL_GENERATION')) {
        throw new StateError(`${this.name}: group "${groupId}" has members; stop them before setting its offsets`, { cause: err });
      }
      throw this.error(err, `set offsets of group "${groupId}"`);
    }
  }

  private async ready(): Promise<PltAdmin> {
    await this.connect();
    return this.admin!;
  }

  private async requireTopic(admin: PltAdmin, topic: string): Promise<TopicInfo> {
    let info: TopicInfo | undefined;
    try {
      info = await topicInfo(admin, topic);
    } catch (err) {
      throw this.error(err, `metadata of "${topic}"`, topic);
    }
    if (!info) throw new UnknownTopicError(topic);
    return info;
  }

  private error(err: unknown, what: string, topic?: string): Error {
    return toGokaError(err, { operation: `${this.name}: ${what}`, brokers: this.options.brokers, topic });
  }
}

export function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
