import {
  StateError,
  type GroupConsumer,
  type GroupConsumerConfig,
  type GroupHandler,
  type StartOffset,
  type TopicPartitionOffset,
} from '@goka-ts/api';
import type { Activity } from './activity';
import type { MemoryBroker } from './memory_broker';
import type { GroupMember, MemoryGroup } from './memory_group';
import { PartitionCursor } from './partition_cursor';

type State = 'new' | 'running' | 'closing' | 'closed' | 'failed';

interface RunningCursor {
  readonly cursor: PartitionCursor;
  readonly done: Promise<void>;
}

let memberSequence = 0;

/**
 * A member of an in-memory consumer group. Rebalance callbacks, closing and failing run one at a
 * time; partitions are delivered by one {@link PartitionCursor} per topic-partition, concurrently
 * across partitions and with backpressure within each.
 */
export class MemoryGroupConsumer implements GroupConsumer, GroupMember, Activity {
  readonly memberId: string;
  readonly topics: readonly string[];
  readonly cooperative: boolean;
  private readonly startFrom: StartOffset;
  private readonly group: MemoryGroup;
  private state: State = 'new';
  private handler: GroupHandler | undefined;
  private owned: number[] = [];
  private everAssigned = false;
  private readonly cursors = new Map<string, RunningCursor>();
  private readonly paused = new Set<string>();
  /** Serializes rebalance callbacks, close and their bookkeeping. */
  private operations: Promise<void> = Promise.resolve();
  private operationsInFlight = 0;
  private unregister: (() => void) | undefined;
  private settle: { resolve(): void; reject(error: unknown): void } | undefined;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly broker: MemoryBroker,
    config: GroupConsumerConfig,
  ) {
    if (!config.groupId) throw new TypeError('a group consumer needs a groupId');
    if (!config.topics.length) throw new TypeError(`group "${config.groupId}": a group consumer needs at least one topic`);
    this.topics = [...new Set(config.topics)];
    this.cooperative = config.cooperative ?? false;
    this.startFrom = config.startFrom ?? 'newest';
    this.group = broker.group(config.groupId);
    this.memberId = `${config.groupId}-member-${++memberSequence}`;
  }

  run(handler: GroupHandler): Promise<void> {
    if (this.state !== 'new') {
      return Promise.reject(new StateError(`group consumer of group "${this.group.id}" ${this.state === 'running' ? 'is already running' : 'was closed'}; create a new one`));
    }
    try {
      this.group.partitionCount(this.topics);
    } catch (error) {
      this.state = 'failed';
      return Promise.reject(error);
    }
    this.handler = handler;
    this.state = 'running';
    const done = new Promise<void>((resolve, reject) => {
      this.settle = { resolve, reject };
    });
    this.unregister = this.broker.activities.add(this);
    this.group.join(this);
    return done;
  }

  pause(topic: string, partition: number): void {
    this.paused.add(key(topic, partition));
  }

  resume(topic: string, partition: number): void {
    if (this.paused.delete(key(topic, partition))) this.cursors.get(key(topic, partition))?.cursor.wake();
  }

  async commit(offsets: readonly TopicPartitionOffset[]): Promise<void> {
    if (this.state === 'closed' || this.state === 'failed') {
      throw new StateError(`cannot commit: the group consumer of group "${this.group.id}" is ${this.state}`);
    }
    this.group.commit(offsets);
  }

  assignment(): readonly number[] {
    return [...this.owned];
  }

  assigned(): readonly number[] {
    return this.owned;
  }

  close(): Promise<void> {
    if (this.state === 'new') {
      this.state = 'closed';
      return Promise.resolve();
    }
    if (this.closing) return this.closing;
    if (this.state !== 'running') return Promise.resolve();
    this.state = 'closing';
    this.closing = this.enqueue(async () => {
      const revoked = this.owned;
      await this.stopCursors(() => true);
      this.owned = [];
      this.paused.clear();
      let failure: unknown;
      if (revoked.length > 0) {
        try {
          await this.handler!.onRevoked(revoked);
        } catch (error) {
          failure = error;
        }
      }
      this.group.leave(this);
      this.unregister?.();
      if (this.state !== 'closing') return; // failed while closing: run() already rejected
      if (failure === undefined) {
        this.state = 'closed';
        this.settle?.resolve();
      } else {
        this.state = 'failed';
        this.settle?.reject(failure);
      }
    });
    return this.closing;
  }

  revoke(partitions: readonly number[]): Promise<void> {
    return this.enqueue(async () => {
      if (this.state !== 'running' || !this.everAssigned) return;
      if (this.cooperative && partitions.length === 0) return;
      const revoked = new Set(partitions);
      await this.stopCursors((partition) => revoked.has(partition));
      this.owned = this.owned.filter((p) => !revoked.has(p));
      for (const entry of [...this.paused]) {
        if (revoked.has(partitionOf(entry))) this.paused.delete(entry);
      }
      try {
        await this.handler!.onRevoked([...partitions]);
      } catch (error) {
        await this.failNow(error);
      }
    });
  }

  assign(partitions: readonly number[]): Promise<void> {
    return this.enqueue(async () => {
      if (this.state !== 'running') return;
      const first = !this.everAssigned;
      this.everAssigned = true;
      this.owned = [...this.owned, ...partitions].sort((a, b) => a - b);
      if (this.cooperative && !first && partitions.length === 0) return;
      try {
        await this.handler!.onAssigned([...partitions]);
      } catch (error) {
        await this.failNow(error);
        return;
      }
      if (this.state !== 'running') return;
      for (const topic of this.topics) {
        for (const partition of partitions) this.startCursor(topic, partition);
      }
    });
  }

  fail(error: unknown): void {
    void this.failNow(error);
  }

  busyReason(): string | undefined {
    const who = `group "${this.group.id}" member ${this.memberId}`;
    if (this.state === 'running' && !this.everAssigned) return `${who}: waiting for its first assignment`;
    if (this.operationsInFlight > 0) return `${who}: a rebalance callback or close is running`;
    for (const { cursor } of this.cursors.values()) {
      const reason = cursor.busyReason();
      if (reason !== undefined) return reason;
    }
    return undefined;
  }

  private startCursor(topic: string, partition: number): void {
    const log = this.broker.topic(topic)?.log(partition);
    if (!log) {
      this.fail(new StateError(`group "${this.group.id}": topic "${topic}" has no partition ${partition} any more`));
      return;
    }
    const committed = this.group.committedOffset(topic, partition);
    const inRange = committed !== undefined && committed >= log.oldest && committed <= log.highWatermark;
    const position = inRange ? committed : this.startFrom === 'oldest' ? log.oldest : log.highWatermark;
    const entry = key(topic, partition);
    const cursor = new PartitionCursor({
      log,
      position,
      maxBatchSize: this.broker.maxBatchSize,
      owner: `group "${this.group.id}" member ${this.memberId}`,
      onBatch: (batch) => this.handler!.onBatch(batch),
      isPaused: () => this.paused.has(entry),
    });
    const done = cursor.run().catch((error: unknown) => this.fail(error));
    this.cursors.set(entry, { cursor, done });
  }

  private async stopCursors(which: (partition: number) => boolean): Promise<void> {
    const stopping: Promise<void>[] = [];
    for (const [entry, { cursor, done }] of this.cursors) {
      if (!which(cursor.partition)) continue;
      cursor.stop();
      stopping.push(done);
      this.cursors.delete(entry);
    }
    await Promise.all(stopping);
  }

  /** Stops delivering, leaves the group and rejects `run()`; in-flight batches finish first. */
  private async failNow(error: unknown): Promise<void> {
    if (this.state !== 'running' && this.state !== 'closing') return;
    this.state = 'failed';
    await this.stopCursors(() => true);
    this.owned = [];
    this.group.leave(this);
    this.unregister?.();
    this.settle?.reject(error);
  }

  private enqueue(operation: () => Promise<void>): Promise<void> {
    this.operationsInFlight++;
    const run = this.operations.then(operation).finally(() => {
      this.operationsInFlight--;
    });
    this.operations = run.catch(() => undefined);
    return run;
  }
}

function key(topic: string, partition: number): string {
  return `${partition}\u0000${topic}`;
}

function partitionOf(entry: string): number {
  return Number(entry.slice(0, entry.indexOf('\u0000')));
}
