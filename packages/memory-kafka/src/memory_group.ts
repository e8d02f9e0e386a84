import { GokaError, type TopicPartitionOffset } from '@goka-ts/api';
import type { Activity } from './activity';
import { copartitionedAssignment } from './assignment';
import type { MemoryBroker } from './memory_broker';
import { nextTurn } from './scheduling';

/** What the group coordinator needs from one member (a group consumer). */
export interface GroupMember {
  readonly memberId: string;
  readonly topics: readonly string[];
  readonly cooperative: boolean;
  /** Partitions the member currently owns. */
  assigned(): readonly number[];
  /** Stops delivering `partitions` and calls `onRevoked`; never rejects (a failing handler fails the member). */
  revoke(partitions: readonly number[]): Promise<void>;
  /** Calls `onAssigned` with `partitions` and then starts delivering them; never rejects. */
  assign(partitions: readonly number[]): Promise<void>;
  /** Ends the member's `run()` with `error`. */
  fail(error: unknown): void;
}

/**
 * A consumer group: its members, Goka's co-partitioned assignment among them (sticky: members keep
 * what they own where balance allows), and its committed offsets. Joins and leaves trigger rebalances, run one at a time: first every member gives up what
 * it loses (eager: everything; cooperative when every member asks for it: only what moves), then
 * every member is told what it gains. Joins arriving in the same event-loop turn share one rebalance.
 */
export class MemoryGroup implements Activity {
  private readonly members: GroupMember[] = [];
  private readonly committed = new Map<string, Map<number, number>>();
  private rebalancing = false;
  private rebalanceRequested = false;
  private generationId = 0;
  private unregister: (() => void) | undefined;

  constructor(
    readonly id: string,
    private readonly broker: MemoryBroker,
  ) {}

  /** Increments with every completed rebalance. */
  get generation(): number {
    return this.generationId;
  }

  /** Member ids in join order. */
  memberIds(): string[] {
    return this.members.map((member) => member.memberId);
  }

  /**
   * The partition count every member's topics share. Throws when a topic is missing or the counts
   * differ (co-partitioning needs equal counts).
   */
  partitionCount(topics: readonly string[]): number {
    const all = [...new Set([...this.members.flatMap((member) => member.topics), ...topics])];
    const counts = all.map((name) => ({ name, partitions: this.broker.requireTopic(name).partitions }));
    const first = counts[0];
    const other = counts.find((entry) => entry.partitions !== first.partitions);
    if (other) {
      throw new GokaError(
        `group "${this.id}" cannot be co-partitioned: topic "${first.name}" has ${first.partitions} partitions but "${other.name}" has ${other.partitions}; every topic of a group needs the same partition count`,
      );
    }
    return first.partitions;
  }

  join(member: GroupMember): void {
    this.members.push(member);
    this.requestRebalance();
  }

  leave(member: GroupMember): void {
    const index = this.members.indexOf(member);
    if (index < 0) return;
    this.members.splice(index, 1);
    this.requestRebalance();
  }

  commit(offsets: readonly TopicPartitionOffset[]): void {
    for (const { topic, partition, offset } of offsets) {
      if (!Number.isInteger(offset) || offset < 0) throw new RangeError(`group "${this.id}": cannot commit offset ${offset} for topic "${topic}" partition ${partition}`);
      let partitions = this.committed.get(topic);
      if (!partitions) this.committed.set(topic, (partitions = new Map()));
      partitions.set(partition, offset);
    }
  }

  /** The committed offset (next offset to read), or undefined when the group never committed one. */
  committedOffset(topic: string, partition: number): number | undefined {
    return this.committed.get(topic)?.get(partition);
  }

  /** Every committed offset, sorted by topic and partition. */
  committedOffsets(): TopicPartitionOffset[] {
    return [...this.committed]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .flatMap(([topic, partitions]) => [...partitions].sort(([a], [b]) => a - b).map(([partition, offset]) => ({ topic, partition, offset })));
  }

  busyReason(): string | undefined {
    return this.rebalancing ? `group "${this.id}": rebalancing` : undefined;
  }

  private requestRebalance(): void {
    this.rebalanceRequested = true;
    if (!this.rebalancing) void this.rebalanceLoop();
  }

  private async rebalanceLoop(): Promise<void> {
    this.rebalancing = true;
    this.unregister ??= this.broker.activities.add(this);
    try {
      while (this.rebalanceRequested) {
        // Lets members started in the same turn join one rebalance instead of one each.
        await nextTurn();
        this.rebalanceRequested = false;
        await this.rebalance([...this.members]);
      }
    } finally {
      this.rebalancing = false;
      this.unregister?.();
      this.unregister = undefined;
    }
  }

  private async rebalance(members: GroupMember[]): Promise<void> {
    if (members.length === 0) return;
    let target: Map<string, number[]>;
    try {
      target = copartitionedAssignment(members.map((member) => ({ memberId: member.memberId, previous: member.assigned() })), this.partitionCount([]));
    } catch (error) {
      for (const member of members) member.fail(error);
      return;
    }
    const cooperative = members.every((member) => member.cooperative);
    await Promise.all(
      members.map((member) => {
        const keep = new Set(target.get(member.memberId));
        return member.revoke(cooperative ? member.assigned().filter((p) => !keep.has(p)) : member.assigned());
      }),
    );
    this.generationId++;
    await Promise.all(
      members.map((member) => {
        const owned = new Set(member.assigned());
        return member.assign((target.get(member.memberId) ?? []).filter((p) => !owned.has(p)));
      }),
    );
  }
}
