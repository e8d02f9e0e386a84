import { GokaError, StateError } from '@goka-ts/api';
import type { GroupConsumer, GroupConsumerConfig, GroupHandler, TopicPartitionOffset } from '@goka-ts/api';
import { asError } from './error_mapping';
import { resolveGroupConfig, type GroupClientIdentity } from './group_config';

/** Where a group consumer is in its life: `run()` once, then `close()` or a failure, for good. */
export type GroupConsumerState = 'idle' | 'running' | 'closing' | 'closed' | 'failed';

/**
 * The part of a {@link GroupConsumer} that does not depend on the Kafka client: config checks and
 * defaults, the life cycle (`run` once, a graceful `close`, a failure that ends `run()` after the
 * client stopped), paused partitions, the commit gate and the revocation chain (each `onRevoked`
 * after the previous one settled; a partition assigned again starts unpaused, as with Java's consumer).
 *
 * An adapter adds how its client joins, fetches, commits and stops, through the abstract members.
 */
export abstract class GroupConsumerBase implements GroupConsumer {
  protected state: GroupConsumerState = 'idle';
  protected handler!: GroupHandler;
  /** {@link start} as `run()` launched it; it never rejects (its error went to {@link fail}). */
  protected started?: Promise<void>;
  /** Why the consumer failed, once it has. */
  protected failure?: Error;
  protected owned: readonly number[] = [];
  /** Partitions of the last assignment, announced at the next join so the assigner can keep them here. */
  protected previous: readonly number[] = [];
  /** The pending `onAssigned` of the latest assignment, if any. */
  protected assigning: Promise<void> | null = null;
  protected readonly paused = new Map<string, Set<number>>();

  protected readonly name: string;
  protected readonly topics: readonly string[];
  protected readonly sessionTimeoutMs: number;
  protected readonly heartbeatIntervalMs: number;
  protected readonly rebalanceTimeoutMs: number;
  protected readonly maxWaitMs: number;

  private revoking: Promise<void> | null = null;
  private closing?: Promise<void>;
  private shutdown?: Promise<void>;
  private settle!: { resolve: () => void; reject: (err: Error) => void };

  constructor(protected readonly config: GroupConsumerConfig, identity: GroupClientIdentity) {
    const settings = resolveGroupConfig(config, identity);
    this.name = settings.name;
    this.topics = settings.topics;
    this.sessionTimeoutMs = settings.sessionTimeoutMs;
    this.heartbeatIntervalMs = settings.heartbeatIntervalMs;
    this.rebalanceTimeoutMs = settings.rebalanceTimeoutMs;
    this.maxWaitMs = settings.maxWaitMs;
  }

  /** Connects the client and joins the group; runs once, from `run()`. */
  protected abstract start(): Promise<void>;
  /** Stops delivering batches and waits for those being handled (the first step of a graceful close). */
  protected abstract drain(): Promise<void>;
  /** Leaves the group and closes the client's connections; never rejects. */
  protected abstract stopClients(): Promise<void>;
  /** Whether the member has joined its group, so that it may commit. */
  protected abstract joined(): boolean;
  /** Commits through the client, under the member's current generation. */
  protected abstract commitOffsets(offsets: readonly TopicPartitionOffset[]): Promise<void>;
  /** Tells the client that a partition is paused (`true`) or resumed; called for owned and unowned ones alike. */
  protected abstract pauseChanged(topic: string, partition: number, paused: boolean): void;
  /**
   * Takes `partitions` away from the client (stop fetching them) as they are revoked, and resumes
   * those of `unpaused` it had paused. Called synchronously, before `onRevoked`.
   */
  protected abstract released(partitions: readonly number[], unpaused: ReadonlyMap<string, readonly number[]>): void;
  /** A client error as a goka-ts error, naming `operation`. */
  protected abstract clientError(err: unknown, operation: string): Error;
  /** The error to fail with when `err` is an answer to a join that no retry can change. */
  protected abstract permanentJoinError(err: unknown): Error | undefined;

  run(handler: GroupHandler): Promise<void> {
    if (this.state !== 'idle') return Promise.reject(new StateError(`${this.name}: run() can be called once (state ${this.state})`));
    this.state = 'running';
    this.handler = handler;
    const done = new Promise<void>((resolve, reject) => (this.settle = { resolve, reject }));
    this.started = this.start().catch((err: unknown) => this.fail(this.failureOf(err)));
    return done;
  }

  pause(topic: string, partition: number): void {
    this.checkTopic(topic);
    let set = this.paused.get(topic);
    if (!set) this.paused.set(topic, (set = new Set()));
    set.add(partition);
    this.pauseChanged(topic, partition, true);
  }

  resume(topic: string, partition: number): void {
    this.checkTopic(topic);
    this.paused.get(topic)?.delete(partition);
    this.pauseChanged(topic, partition, false);
  }

  async commit(offsets: readonly TopicPartitionOffset[]): Promise<void> {
    if (this.state !== 'running' && this.state !== 'closing') throw new StateError(`${this.name}: commit() while ${this.state}`);
    if (!this.joined()) throw new StateError(`${this.name}: commit() before the consumer joined its group`);
    if (offsets.length === 0) return;
    try {
      await this.commitOffsets(offsets);
    } catch (err) {
      throw this.clientError(err, `${this.name}: commit`);
    }
  }

  assignment(): readonly number[] {
    return this.owned;
  }

  close(): Promise<void> {
    if (this.state === 'idle') {
      this.state = 'closed';
      return Promise.resolve();
    }
    if (this.state === 'failed' || this.state === 'closed') return this.shutdown ?? Promise.resolve();
    if (!this.closing) this.closing = this.closeGracefully();
    return this.closing;
  }

  /** What `run()` rejects with for a client error: a join no retry can change, else the client's error. */
  protected failureOf(err: unknown): Error {
    return this.permanentJoinError(err) ?? this.clientError(err, this.name);
  }

  /**
   * The partitions of this member's topics in a join's assignment, ascending; they become the
   * {@link previous} partitions announced at the next join.
   */
  protected assignedPartitions(assignment: Iterable<readonly [topic: string, partitions: readonly number[]]>): number[] {
    const set = new Set<number>();
    for (const [topic, partitions] of assignment) if (this.topics.includes(topic)) for (const p of partitions) set.add(p);
    const sorted = [...set].sort((a, b) => a - b);
    this.previous = sorted;
    return sorted;
  }

  protected setOwned(partitions: readonly number[]): void {
    this.owned = Object.freeze([...partitions]);
  }

  /** Takes the owned partitions away (synchronously) and tells the handler after any earlier revocation. */
  protected revoke(): Promise<void> {
    const before = this.revoking;
    const partitions = this.owned;
    this.setOwned([]);
    const unpaused = new Map<string, number[]>();
    for (const [topic, set] of this.paused) {
      if (set.size) unpaused.set(topic, [...set]);
      set.clear();
    }
    this.released(partitions, unpaused);
    const job = (async () => {
      await before?.catch(() => undefined);
      if (partitions.length === 0) return;
      try {
        await this.handler.onRevoked(partitions);
      } catch (err) {
        this.fail(asError(err));
        throw err;
      }
    })();
    this.revoking = job;
    return job;
  }

  /**
   * Before a join: revokes what the member owns and waits for a pending `onAssigned`, since
   * `onRevoked` may arrive while `onAssigned` still runs (a rebalance during recovery) and the member
   * joins only once neither is outstanding. Their failures have gone to {@link fail}.
   */
  protected async relinquish(): Promise<void> {
    if (this.owned.length) await this.revoke().catch(() => undefined);
    await this.assigning?.catch(() => undefined);
  }

  /**
   * Runs `work` while the client may not heartbeat on its own (a revocation it waits on); an
   * adapter whose client stops heartbeating meanwhile heartbeats for it here.
   */
  protected whileRevoking(work: () => Promise<void>): Promise<void> {
    return work();
  }

  /** Ends `run()` with `err` once the client stopped; the first failure wins. */
  protected fail(err: Error): void {
    if (this.stopped()) return;
    this.failure = err;
    this.state = 'failed';
    this.shutdown = this.stopClients().then(() => this.settle.reject(err));
  }

  protected stopped(): boolean {
    return this.state === 'failed' || this.state === 'closed';
  }

  protected checkTopic(topic: string): void {
    if (!this.topics.includes(topic)) throw new GokaError(`${this.name}: "${topic}" is not one of its topics (${this.topics.join(', ')})`);
  }

  private async closeGracefully(): Promise<void> {
    this.state = 'closing';
    await this.started;
    await this.drain();
    await this.whileRevoking(async () => {
      await this.revoke().catch(() => undefined);
      await this.assigning?.catch(() => undefined);
    });
    await this.stopClients();
    if (this.state === 'closing') {
      this.state = 'closed';
      this.settle.resolve();
    }
  }
}
