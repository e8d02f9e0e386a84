import {
  GokaError,
  ProducerFencedError,
  StateError,
  TransactionAbortedError,
  type KafkaMessage,
  type TopicPartitionOffset,
} from '@goka-ts/api';
import type { MemoryBroker } from './memory_broker';
import type { AppendRecord, MemoryPartitionLog, TransactionOutcome } from './memory_log';
import { startBackgroundTimer } from './real_timers';

/** Kafka's default `transaction.timeout.ms` of a producer. */
const DEFAULT_TRANSACTION_TIMEOUT_MS = 60_000;

/**
 * One transaction as the broker's transaction coordinator sees it: the partitions it wrote to and
 * the consumer offsets it will commit. Settling its {@link status} settles every record it wrote.
 */
export class MemoryTransaction implements TransactionOutcome {
  /** Set once, by {@link MemoryTransactions}; every record of the transaction follows it. */
  status: 'open' | 'committed' | 'aborted' = 'open';
  /** Why the broker aborted it on its own (timeout, fencing), for the owner's next call. */
  abortReason: string | undefined;
  /** Records written so far. */
  records = 0;
  readonly logs = new Set<MemoryPartitionLog>();
  /** Offsets per group id, keyed by partition and topic; committed to the groups on commit. */
  readonly offsets = new Map<string, Map<string, TopicPartitionOffset>>();
  /** Cancels the timeout; set once the transaction has work, as Kafka starts the clock then. */
  cancelTimeout: (() => void) | undefined;

  constructor(
    readonly transactionalId: string,
    readonly epoch: number,
    readonly timeoutMs: number,
  ) {}

  /** Whether committing it would change anything a reader or a group can see. */
  get hasWork(): boolean {
    return this.records > 0 || this.offsets.size > 0;
  }
}

/** The latest registration of one transactional id. */
interface Registration {
  epoch: number;
  open: MemoryTransaction | undefined;
}

/**
 * The transaction coordinator of the in-memory broker: transactional ids with their producer epochs
 * (registering an id again fences the older producer and aborts what it left open), the open
 * transactions, their timeouts, and their commit or abort, which writes a marker on every partition
 * they wrote to and, on commit, hands their offsets to the consumer groups.
 */
export class MemoryTransactions {
  private readonly registrations = new Map<string, Registration>();

  constructor(private readonly broker: MemoryBroker) {}

  /**
   * Registers a producer of `transactionalId` and returns its epoch. An older producer of the id is
   * fenced from now on; its open transaction is aborted at once, as Kafka's coordinator does on
   * `InitProducerId`.
   */
  register(transactionalId: string): number {
    let registration = this.registrations.get(transactionalId);
    if (!registration) {
      registration = { epoch: 0, open: undefined };
      this.registrations.set(transactionalId, registration);
    } else {
      registration.epoch++;
      if (registration.open) this.abort(registration.open, 'a newer producer with the same transactional id connected');
    }
    return registration.epoch;
  }

  /** Starts a transaction of the producer with `epoch`. */
  begin(transactionalId: string, epoch: number, timeoutMs = DEFAULT_TRANSACTION_TIMEOUT_MS): MemoryTransaction {
    const registration = this.current(transactionalId, epoch);
    if (registration.open) throw new StateError(`transactional producer "${transactionalId}": a transaction is already open`);
    if (!(timeoutMs > 0)) throw new RangeError(`transactional producer "${transactionalId}": transactionTimeoutMs must be > 0, got ${timeoutMs}`);
    const transaction = new MemoryTransaction(transactionalId, epoch, timeoutMs);
    registration.open = transaction;
    return transaction;
  }

  /** Writes records of `transaction` to one partition; they take offsets now and stay unreadable until the commit. */
  append(transaction: MemoryTransaction, topic: string, partition: number, records: readonly AppendRecord[]): KafkaMessage[] {
    this.checkOpen(transaction);
    const { log, appended } = this.broker.appendInTransaction(topic, partition, records, transaction);
    transaction.logs.add(log);
    transaction.records += appended.length;
    this.startClock(transaction);
    return appended;
  }

  /** Adds consumer offsets to `transaction`; a later offset of the same partition replaces an earlier one. */
  addOffsets(transaction: MemoryTransaction, groupId: string, offsets: readonly TopicPartitionOffset[]): void {
    this.checkOpen(transaction);
    if (offsets.length === 0) return;
    let group = transaction.offsets.get(groupId);
    if (!group) transaction.offsets.set(groupId, (group = new Map()));
    for (const offset of offsets) group.set(`${offset.partition}\u0000${offset.topic}`, { ...offset });
    this.startClock(transaction);
  }

  /** Commits `transaction`: its records become readable and its offsets become the groups' committed offsets. */
  commit(transaction: MemoryTransaction): void {
    this.checkOpen(transaction);
    this.end(transaction, 'committed');
    for (const [groupId, offsets] of transaction.offsets) this.broker.group(groupId).commit([...offsets.values()]);
  }

  /**
   * Aborts `transaction` unless it already ended: its records are never readable and its offsets are
   * dropped. `reason` is set when the broker aborts on its own (the owner did not ask).
   */
  abort(transaction: MemoryTransaction, reason?: string): void {
    if (transaction.status !== 'open') return;
    transaction.abortReason = reason;
    this.end(transaction, 'aborted');
  }

  /**
   * Rejects a producer that a newer one of the same id replaced with a {@link ProducerFencedError},
   * and a transaction the broker aborted on its own with a {@link TransactionAbortedError}.
   */
  checkOpen(transaction: MemoryTransaction): void {
    this.current(transaction.transactionalId, transaction.epoch);
    if (transaction.status === 'aborted') {
      throw new TransactionAbortedError(transaction.transactionalId, transaction.abortReason ?? 'it was aborted');
    }
    if (transaction.status !== 'open') throw new StateError(`transactional producer "${transaction.transactionalId}": the transaction has ended`);
  }

  /** Whether the producer with `epoch` is still the current one of its id. */
  isCurrent(transactionalId: string, epoch: number): boolean {
    return this.registrations.get(transactionalId)?.epoch === epoch;
  }

  /**
   * Why the broker is not idle because of transactions: an open transaction with records or offsets
   * still has to be committed or aborted by its owner. An empty one (begun, nothing sent) changes
   * nothing anybody can see, so it does not count.
   */
  busyReasons(): string[] {
    const reasons: string[] = [];
    for (const [id, { open }] of this.registrations) {
      if (!open?.hasWork) continue;
      const offsets = [...open.offsets.keys()].map((group) => `offsets of group "${group}"`);
      const parts = [...(open.records > 0 ? [`${open.records} record(s)`] : []), ...offsets];
      reasons.push(`transaction of "${id}": ${parts.join(' and ')} not yet committed`);
    }
    return reasons;
  }

  private current(transactionalId: string, epoch: number): Registration {
    const registration = this.registrations.get(transactionalId);
    if (!registration) throw new GokaError(`transactional id "${transactionalId}" is not registered; connect() the producer first`);
    if (registration.epoch !== epoch) throw new ProducerFencedError(transactionalId);
    return registration;
  }

  private startClock(transaction: MemoryTransaction): void {
    transaction.cancelTimeout ??= startBackgroundTimer(
      () => this.abort(transaction, `it was open longer than its timeout of ${transaction.timeoutMs} ms`),
      transaction.timeoutMs,
    );
  }

  private end(transaction: MemoryTransaction, status: 'committed' | 'aborted'): void {
    transaction.status = status;
    transaction.cancelTimeout?.();
    const registration = this.registrations.get(transaction.transactionalId);
    if (registration?.open === transaction) registration.open = undefined;
    for (const log of transaction.logs) this.broker.endTransactionOn(log, transaction);
  }
}
