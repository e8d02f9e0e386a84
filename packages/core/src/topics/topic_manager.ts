import { GokaError, TopicExistsError, TopicMismatchError, UnknownTopicError, type Admin, type KafkaClient, type Logger, type TopicDescription } from '@goka-ts/api';
import { Backoff, sleep } from '../backoff';
import { defaultLogger } from '../logger';

/** What to do when an existing topic differs from what a component needs. */
export type MismatchPolicy = 'ignore' | 'warn' | 'fail';

export interface TopicManagerOptions {
  /** Replication of created table topics; `-1` (default) takes the broker's default (Goka: fixed 2). */
  readonly tableReplication?: number;
  /** Replication of created stream topics; `-1` (default) takes the broker's default. */
  readonly streamReplication?: number;
  /** `retention.ms` of created stream topics; unset (default) takes the broker's default (Goka: 1 h). */
  readonly streamRetentionMs?: number;
  /**
   * How differences of an existing topic are handled, for every difference: partition count, replication
   * (checked only when configured, not `-1`), `cleanup.policy=compact` of tables, `retention.ms` of
   * streams (when configured). Unset (default): a wrong partition count fails, any other difference
   * is logged as a warning. Topics are never altered.
   */
  readonly mismatch?: MismatchPolicy;
  /** How long a topic that another instance just created may stay invisible before start-up fails (ms). Default 30 000. */
  readonly existsWaitMs?: number;
  /** Where the component logs. Default {@link defaultLogger}: stderr at `'warn'` (env `GOKA_LOG_LEVEL` overrides); {@link silentLogger} quiets it. */
  readonly logger?: Logger;
}

/**
 * Creates and checks topics for processors (tables, loops, outputs). Views and emitters never create
 * topics; they only ask for partition counts.
 */
export class TopicManager {
  private readonly tableReplication: number;
  private readonly streamReplication: number;
  private readonly streamRetentionMs: number | undefined;
  private readonly mismatch: MismatchPolicy | undefined;
  private readonly logger: Logger;
  /** Set by {@link connect} only: a field, not a constructor parameter, so it stays out of the public signature. */
  private ownsAdmin = false;
  private readonly existsWaitMs: number;

  /** Uses a connected `admin`; the caller closes it. */
  constructor(
    private readonly admin: Admin,
    options: TopicManagerOptions = {},
  ) {
    this.tableReplication = checkReplication('tableReplication', options.tableReplication ?? -1);
    this.streamReplication = checkReplication('streamReplication', options.streamReplication ?? -1);
    if (options.streamRetentionMs !== undefined && !(Number.isInteger(options.streamRetentionMs) && options.streamRetentionMs > 0)) {
      throw new RangeError(`topic manager: streamRetentionMs must be a positive integer, got ${options.streamRetentionMs}`);
    }
    this.streamRetentionMs = options.streamRetentionMs;
    this.mismatch = options.mismatch;
    this.logger = options.logger ?? defaultLogger();
    this.existsWaitMs = options.existsWaitMs ?? 30_000;
  }

  /** Connects an admin of `client` for a manager that closes it in {@link close}. */
  static async connect(client: KafkaClient, options: TopicManagerOptions = {}): Promise<TopicManager> {
    const admin = client.admin();
    await admin.connect();
    const manager = new TopicManager(admin, options);
    manager.ownsAdmin = true;
    return manager;
  }

  /** Closes the admin when this manager connected it itself. */
  async close(): Promise<void> {
    if (this.ownsAdmin) await this.admin.close();
  }

  /**
   * Makes sure a table topic exists: creates it compacted (`cleanup.policy=compact`) with `partitions`
   * partitions, or checks an existing one.
   * @throws {TopicMismatchError} when an existing topic differs and the policy says fail.
   */
  async ensureTable(topic: string, partitions: number): Promise<void> {
    checkPartitions(topic, partitions);
    await this.ensure(topic, partitions, this.tableReplication, { 'cleanup.policy': 'compact' }, (existing) => {
      const policy = existing.config['cleanup.policy'];
      return policy === 'compact' ? [] : [`cleanup.policy is "${policy ?? 'unset'}", a table needs "compact" (otherwise retention deletes table content)`];
    });
  }

  /**
   * Makes sure a stream topic exists: creates it with `partitions` partitions (and the configured
   * retention), or checks an existing one.
   * @throws {TopicMismatchError} when an existing topic differs and the policy says fail.
   */
  async ensureStream(topic: string, partitions: number): Promise<void> {
    checkPartitions(topic, partitions);
    const retention = this.streamRetentionMs;
    const config: Record<string, string> = retention === undefined ? {} : { 'retention.ms': String(retention) };
    await this.ensure(topic, partitions, this.streamReplication, config, (existing) => {
      if (retention === undefined) return [];
      const has = existing.config['retention.ms'];
      return has === String(retention) ? [] : [`retention.ms is ${has ?? 'unset'}, expected ${retention}`];
    });
  }

  /** @throws {UnknownTopicError} when the topic does not exist. */
  async partitionCount(topic: string): Promise<number> {
    return (await this.describe(topic)).partitions;
  }

  /**
   * Partition count, replication and effective configs (e.g. `max.message.bytes`) of a topic.
   * @throws {UnknownTopicError} when the topic does not exist.
   */
  async describe(topic: string): Promise<TopicDescription> {
    const description = await this.admin.describeTopic(topic);
    if (!description) throw new UnknownTopicError(topic);
    return description;
  }

  /**
   * After "already exists": the instance that created the topic a moment ago may be the only one
   * whose broker already has its metadata, so the describe can answer nothing for a while. Waits,
   * bounded, until the topic is visible.
   */
  private async waitVisible(topic: string, cause: TopicExistsError): Promise<TopicDescription> {
    const backoff = new Backoff({ initialMs: 50, maxMs: 1000 });
    const deadline = performance.now() + this.existsWaitMs;
    for (;;) {
      const existing = await this.admin.describeTopic(topic);
      if (existing) return existing;
      if (performance.now() > deadline) {
        throw new GokaError(`topic "${topic}" exists (another instance created it) but did not become visible within ${this.existsWaitMs} ms; check the broker`, { cause });
      }
      await sleep(backoff.next());
    }
  }

  private async ensure(
    topic: string,
    partitions: number,
    replicationFactor: number,
    config: Record<string, string>,
    configDifferences: (existing: TopicDescription) => string[],
  ): Promise<void> {
    let existing = await this.admin.describeTopic(topic);
    if (!existing) {
      try {
        await this.admin.createTopic({ topic, partitions, replicationFactor, config });
        this.logger.info('created topic', { topic, partitions, replicationFactor, ...config });
        return;
      } catch (err) {
        // Another instance may have created it meanwhile; then check it like any existing topic.
        existing = err instanceof TopicExistsError ? await this.waitVisible(topic, err) : await this.admin.describeTopic(topic);
        if (!existing) throw err;
      }
    }
    const differences: string[] = [];
    const partitionMismatch = existing.partitions !== partitions;
    if (partitionMismatch) differences.push(`has ${existing.partitions} partitions, expected ${partitions}`);
    if (replicationFactor > 0 && existing.replicationFactor !== replicationFactor) {
      differences.push(`replication factor is ${existing.replicationFactor}, expected ${replicationFactor}`);
    }
    differences.push(...configDifferences(existing));
    if (differences.length === 0) return;

    const policy = this.mismatch ?? (partitionMismatch ? 'fail' : 'warn');
    if (policy === 'fail') throw new TopicMismatchError(topic, differences);
    if (policy === 'warn') this.logger.warn(`topic "${topic}" does not match its specification: ${differences.join('; ')}`, { topic });
    else this.logger.debug('ignoring topic differences', { topic, differences });
  }
}

function checkPartitions(topic: string, partitions: number): void {
  if (!Number.isInteger(partitions) || partitions < 1) {
    throw new RangeError(`topic manager: topic "${topic}" needs a positive integer partition count, got ${partitions}`);
  }
}

function checkReplication(name: string, value: number): number {
  if (!Number.isInteger(value) || (value < 1 && value !== -1)) {
    throw new RangeError(`topic manager: ${name} must be a positive integer or -1 (broker default), got ${value}`);
  }
  return value;
}
