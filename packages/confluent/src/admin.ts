import {
  GokaError, KafkaConnectionError, StateError, TopicExistsError, UnknownTopicError,
  type Admin, type GroupDescription, type PartitionOffsets, type TopicDescription, type TopicPartitionOffset, type TopicSpec,
} from '@goka-ts/api';
import { waitForTopicConfig } from '@goka-ts/adapter-kit';
import type { BrokerTarget } from './config_protocol/broker_request';
import { alterTopicConfigs, describeTopicConfigs } from './config_protocol/topic_configs';
import { Code, codeOf, toGokaError } from './errors';
import type { ResolvedOptions } from './options';
import { connectClient, disconnectClient, OFFSET_INVALID, rdkafka, type IAdminClient, type LibrdKafkaError } from './rdkafka';

type RdTopicDescription = { name: string; partitions: { partition: number; leader: unknown; replicas: unknown[] }[]; error?: LibrdKafkaError };

/** Kafka's own topics, left out of {@link ConfluentAdmin.listTopics}. */
const INTERNAL_TOPICS = new Set(['__consumer_offsets', '__transaction_state']);
/** librdkafka's ConsumerGroupStates by number, as the api's lower-case state names. */
const GROUP_STATES = ['unknown', 'preparingrebalance', 'completingrebalance', 'stable', 'dead', 'empty'];

/** How often createTopic checks that a new topic has leaders for all partitions. */
const READY_POLL_MS = 100;

/** librdkafka's admin settings accept only generic client properties; consumer/producer ones would warn. */
export function adminConfig(options: ResolvedOptions): Record<string, unknown> {
  return {
    'bootstrap.servers': options.brokers.join(','),
    'client.id': options.clientId,
    ...options.config,
    ...options.adminConfig,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function callback<T>(run: (cb: (err: LibrdKafkaError | null | undefined, result: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => run((err, result) => (err ? reject(err) : resolve(result))));
}

/**
 * Admin on librdkafka's AdminClient (topics, offsets, group offsets). Topic configs are read and
 * changed with DescribeConfigs / IncrementalAlterConfigs requests sent by this package, because
 * neither of the library's admin APIs offers them (PLAINTEXT listeners only, see README).
 */
export class ConfluentAdmin implements Admin {
  private client?: IAdminClient;
  private state: 'idle' | 'connected' | 'closed' = 'idle';
  private readonly target: BrokerTarget;

  constructor(private readonly options: ResolvedOptions) {
    this.target = { brokers: options.brokers, clientId: options.clientId, timeoutMs: options.connectionTimeoutMs };
  }

  /** The config requests are sent by this package over plain TCP; other listeners are refused up front. */
  private configTarget(topic: string): BrokerTarget {
    const protocol = String(adminConfig(this.options)['security.protocol'] ?? 'plaintext').toLowerCase();
    if (protocol !== 'plaintext') {
      throw new GokaError(
        `reading or changing configs of topic "${topic}" needs a PLAINTEXT listener: @goka-ts/confluent sends these requests ` +
        `itself (librdkafka's JS binding lacks them) and does not speak security.protocol=${protocol}`,
      );
    }
    return this.target;
  }

  private get timeout(): number {
    return this.options.connectionTimeoutMs;
  }

  async connect(): Promise<void> {
    if (this.state === 'connected') return;
    if (this.state === 'closed') throw new StateError('admin is closed');
    const logger = this.options.logger;
    const client = rdkafka.AdminClient.create(adminConfig(this.options) as never, {
      'event.log': (event: { severity: number; fac: string; message: string }) => {
        if (!logger || event.severity > 4) return;
        const fields = { component: 'admin', facility: event.fac };
        if (event.severity === 4) logger.warn(event.message, fields);
        else logger.error(event.message, fields);
      },
    });
    try {
      // librdkafka connects lazily: one bounded request proves the cluster answers.
      await callback<string[]>((cb) => client.listTopics({ timeout: this.timeout }, cb));
    } catch (err) {
      client.disconnect();
      throw new KafkaConnectionError(
        `admin could not reach Kafka at ${this.options.brokers.join(',')} within ${this.timeout} ms: ${(err as Error).message}`,
        { cause: err },
      );
    }
    this.client = client;
    this.state = 'connected';
  }

  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.client?.disconnect();
    this.client = undefined;
  }

  private admin(): IAdminClient {
    if (this.state !== 'connected' || !this.client) {
      throw new StateError(this.state === 'closed' ? 'admin is closed' : 'admin is not connected: call connect() first');
    }
    return this.client;
  }

  private async describe(topic: string): Promise<RdTopicDescription | undefined> {
    const admin = this.admin();
    let result: RdTopicDescription[];
    try {
      result = await callback<RdTopicDescription[]>((cb) => admin.describeTopics([topic], { timeout: this.timeout }, cb as never));
    } catch (err) {
      throw toGokaError(err, `describing topic "${topic}"`, { brokers: this.options.brokers });
    }
    const d = result.find((t) => t.name === topic);
    if (!d || codeOf(d.error) === Code.UNKNOWN_TOPIC_OR_PART) return undefined;
    if (d.error) throw toGokaError(d.error, `describing topic "${topic}"`, { topic });
    return d;
  }

  async describeTopic(topic: string): Promise<TopicDescription | undefined> {
    const d = await this.describe(topic);
    if (!d) return undefined;
    let config: Record<string, string>;
    try {
      config = await describeTopicConfigs(this.configTarget(topic), topic);
    } catch (err) {
      // Deleted between the two requests.
      if (err instanceof UnknownTopicError) return undefined;
      throw err;
    }
    return {
      topic,
      partitions: d.partitions.length,
      replicationFactor: d.partitions[0]?.replicas.length ?? 0,
      config,
    };
  }

  async createTopic(spec: TopicSpec): Promise<void> {
    const admin = this.admin();
    const { topic, partitions, replicationFactor, config } = spec;
    try {
      await callback<void>((cb) => admin.createTopic(
        { topic, num_partitions: partitions, replication_factor: replicationFactor, config: { ...config } },
        this.timeout, cb as never,
      ));
    } catch (err) {
      if (codeOf(err) === Code.TOPIC_ALREADY_EXISTS) throw new TopicExistsError(topic, { cause: err });
      throw toGokaError(err, `creating topic "${topic}"`, { brokers: this.options.brokers });
    }
    await this.waitUsable(topic, partitions);
  }

  /**
   * Waits until the new topic is visible with a leader for every partition and each leader
   * answers offset requests (right after creation brokers briefly answer "not leader").
   */
  private async waitUsable(topic: string, partitions: number): Promise<void> {
    const deadline = Date.now() + this.timeout;
    for (;;) {
      const d = await this.describe(topic);
      if (d && d.partitions.length === partitions && d.partitions.every((p) => p.leader)) break;
      if (Date.now() >= deadline) {
        throw new KafkaConnectionError(`topic "${topic}" was created but has no leader for all partitions after ${this.timeout} ms`);
      }
      await sleep(READY_POLL_MS);
    }
    await this.listOffsets(topic, Array.from({ length: partitions }, (_, i) => i), rdkafka.OffsetSpec.LATEST, deadline);
  }

  async alterTopicConfig(topic: string, config: Readonly<Record<string, string>>): Promise<void> {
    const target = this.configTarget(topic);
    this.admin();
    await alterTopicConfigs(target, topic, config);
    await waitForTopicConfig('confluent admin', topic, config, async () => (await this.describeTopic(topic))?.config);
  }

  async deleteTopic(topic: string): Promise<void> {
    const admin = this.admin();
    try {
      await callback<void>((cb) => admin.deleteTopic(topic, this.timeout, cb as never));
    } catch (err) {
      throw toGokaError(err, `deleting topic "${topic}"`, { topic, brokers: this.options.brokers });
    }
  }

  async partitionOffsets(topic: string): Promise<PartitionOffsets[]> {
    const d = await this.describe(topic);
    if (!d) throw new UnknownTopicError(topic, { detail: 'listing partition offsets' });
    const partitions = d.partitions.map((p) => p.partition).sort((a, b) => a - b);
    const deadline = Date.now() + this.timeout;
    const [oldest, newest] = await Promise.all([
      this.listOffsets(topic, partitions, rdkafka.OffsetSpec.EARLIEST, deadline),
      this.listOffsets(topic, partitions, rdkafka.OffsetSpec.LATEST, deadline),
    ]);
    return partitions.map((partition) => ({ partition, oldest: oldest.get(partition)!, newest: newest.get(partition)! }));
  }

  /**
   * Offsets of the given partitions by spec. Partitions whose leader answers with an error (e.g.
   * "not leader" while a new topic settles) are asked again until `deadline`.
   */
  private async listOffsets(topic: string, partitions: readonly number[], spec: unknown, deadline: number): Promise<Map<number, number>> {
    const admin = this.admin();
    const found = new Map<number, number>();
    let missing = [...partitions];
    for (;;) {
      type Result = { partition: number; offset: number; error?: LibrdKafkaError };
      let results: Result[];
      try {
        results = await callback<Result[]>((cb) => admin.listOffsets(
          missing.map((partition) => ({ topic, partition, offset: spec as never })),
          { timeout: Math.max(1, deadline - Date.now()) }, cb as never,
        ));
      } catch (err) {
        throw toGokaError(err, `listing offsets of topic "${topic}"`, { topic, brokers: this.options.brokers });
      }
      let lastError: LibrdKafkaError | undefined;
      for (const r of results) {
        if (r.error) lastError = r.error;
        else found.set(r.partition, r.offset);
      }
      missing = missing.filter((p) => !found.has(p));
      if (missing.length === 0) return found;
      if (codeOf(lastError) === Code.UNKNOWN_TOPIC_OR_PART && Date.now() >= deadline) {
        throw new UnknownTopicError(topic, { cause: lastError, detail: 'listing partition offsets' });
      }
      if (Date.now() >= deadline) {
        throw toGokaError(lastError ?? new Error('no answer'), `listing offsets of topic "${topic}", partitions ${missing.join(',')}`, { brokers: this.options.brokers });
      }
      await sleep(READY_POLL_MS);
    }
  }

  async committedOffsets(groupId: string, topic: string): Promise<TopicPartitionOffset[]> {
    const d = await this.describe(topic);
    if (!d) throw new UnknownTopicError(topic, { detail: `reading committed offsets of group "${groupId}"` });
    const admin = this.admin();
    type Result = { partitions: { topic: string; partition: number; offset: number; error?: LibrdKafkaError }[]; error?: LibrdKafkaError };
    let results: Result[];
    try {
      results = await callback<Result[]>((cb) => admin.listConsumerGroupOffsets(
        [{ groupId, partitions: d.partitions.map((p) => ({ topic, partition: p.partition })) }],
        { timeout: this.timeout }, cb as never,
      ));
    } catch (err) {
      throw toGokaError(err, `reading committed offsets of group "${groupId}"`, { brokers: this.options.brokers });
    }
    const result = results[0];
    if (result?.error) throw toGokaError(result.error, `reading committed offsets of group "${groupId}"`);
    return (result?.partitions ?? [])
      .map((p) => ({ topic, partition: p.partition, offset: p.offset === OFFSET_INVALID || p.offset < 0 ? -1 : p.offset }))
      .sort((a, b) => a.partition - b.partition);
  }

  async listTopics(): Promise<string[]> {
    const admin = this.admin();
    try {
      const topics = await callback<string[]>((cb) => admin.listTopics({ timeout: this.timeout }, cb));
      return topics.filter((topic) => !INTERNAL_TOPICS.has(topic)).sort();
    } catch (err) {
      throw toGokaError(err, 'listing topics', { brokers: this.options.brokers });
    }
  }

  async describeGroup(groupId: string): Promise<GroupDescription> {
    const admin = this.admin();
    type Result = { groups: { groupId: string; error?: LibrdKafkaError; state: number; members: { memberId: string; clientId: string; clientHost: string }[] }[] };
    let result: Result;
    try {
      result = await callback<Result>((cb) => admin.describeGroups([groupId], { timeout: this.timeout }, cb as never));
    } catch (err) {
      throw toGokaError(err, `describing group "${groupId}"`, { brokers: this.options.brokers });
    }
    const group = result.groups.find((g) => g.groupId === groupId);
    if (group?.error) throw toGokaError(group.error, `describing group "${groupId}"`, { brokers: this.options.brokers });
    return {
      groupId,
      state: GROUP_STATES[group?.state ?? 0] ?? 'unknown',
      members: (group?.members ?? []).map((m) => ({ memberId: m.memberId, clientId: m.clientId, host: m.clientHost })),
    };
  }

  async groupOffsets(groupId: string): Promise<TopicPartitionOffset[]> {
    const admin = this.admin();
    type Result = { partitions: { topic: string; partition: number; offset: number }[]; error?: LibrdKafkaError };
    let results: Result[];
    try {
      // No partitions: the coordinator answers every topic the group committed.
      results = await callback<Result[]>((cb) => admin.listConsumerGroupOffsets([{ groupId }], { timeout: this.timeout }, cb as never));
    } catch (err) {
      throw toGokaError(err, `reading committed offsets of group "${groupId}"`, { brokers: this.options.brokers });
    }
    const result = results[0];
    if (result?.error) throw toGokaError(result.error, `reading committed offsets of group "${groupId}"`);
    return (result?.partitions ?? [])
      .filter((p) => p.offset >= 0)
      .map((p) => ({ topic: p.topic, partition: p.partition, offset: p.offset }))
      .sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
  }

  async setGroupOffsets(groupId: string, offsets: readonly TopicPartitionOffset[]): Promise<void> {
    const { members } = await this.describeGroup(groupId);
    if (members.length > 0) {
      throw new StateError(`cannot set offsets of group "${groupId}": it has active members (${members.map((m) => `${m.clientId}@${m.host}`).join(', ')}); stop them first`);
    }
    if (offsets.length === 0) return;
    // librdkafka's admin API has no AlterConsumerGroupOffsets: a consumer that never subscribes
    // commits as no member (generation -1), which the coordinator accepts only for a group without
    // members. commitSync blocks this thread until the coordinator answered; the call is rare.
    const consumer = new rdkafka.KafkaConsumer({
      ...adminConfig(this.options), 'group.id': groupId, 'enable.auto.commit': false,
    } as never, {});
    try {
      await connectClient(consumer, this.timeout);
      consumer.commitSync(offsets.map(({ topic, partition, offset }) => ({ topic, partition, offset })));
    } catch (err) {
      throw toGokaError(err, `setting committed offsets of group "${groupId}"`, { brokers: this.options.brokers });
    } finally {
      await disconnectClient(consumer);
    }
  }
}
