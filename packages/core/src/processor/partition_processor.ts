import { GokaError, MessageError, StateError, StorageError } from '@goka-ts/api';
import type { Codec, KafkaMessage, MessageBatch, PartitionProcessorStats, Producer, TopicPartitionOffset } from '@goka-ts/api';
import { CommitTracker } from './commit_tracker';
import { CallbackEffects, type LookupSource } from './callback_effects';
import { ContextImpl } from './context_impl';
import { deadLetterTopics } from '../errors/dead_letter';
import { describeError } from '../errors/describe_error';
import { FailedMessages } from '../errors/failed_messages';
import { OutputBatch } from './output_batch';
import type { GraphInput, GroupGraph, VisitorHandler } from '../graph/graph';
import type { PartitionTable } from '../table/partition_table';
import type { ResolvedProcessorOptions } from './processor_options';
import type { PartitionTransaction, RecordSender } from './partition_transaction';
import { InputCounters, snapshotAll } from './processor_stats';
import type { DeadLetterLimits } from '../errors/dead_letter_fit';
import { decodeTableValue } from '../table/table_decode_error';
import { TableWriteBuffer } from '../table/table_write_buffer';
import { VisitorContextImpl, VisitRun } from './visitor_context';

export interface PartitionProcessorDeps {
  readonly graph: GroupGraph;
  readonly partition: number;
  readonly options: ResolvedProcessorOptions;
  readonly producer: Producer;
  /**
   * Exactly-once: the partition's transaction, which then carries every record the partition sends
   * (table writes, emits, loopbacks) and its input offsets, instead of `producer` and consumer commits.
   */
  readonly transaction?: PartitionTransaction;
  /**
   * Exactly-once: the committed input offsets read right after the transaction fenced the previous
   * owner. Messages below them were committed by that owner's last transaction; a client that
   * resolved its start offsets before the fencing may still deliver them, and they are dropped.
   */
  readonly resumeFrom?: ReadonlyMap<string, number>;
  /** The recovered group table partition (when the group persists). */
  readonly table: PartitionTable | undefined;
  /** Joined table partitions, recovered and following. */
  readonly joined: ReadonlyMap<string, PartitionTable>;
  readonly lookups: ReadonlyMap<string, LookupSource>;
  /** The processor's dead-letter size limits (see {@link DeadLetterLimits}). */
  readonly deadLetterLimits: DeadLetterLimits;
  /** Partition counts of the output topics and the loop topic. */
  readonly topicPartitions: ReadonlyMap<string, number>;
  /** Fails the whole processor (first failure wins). */
  reportFailure(error: Error): void;
  /** Resolves once the processor failed: waits for messages to finish end then. */
  readonly failed?: Promise<unknown>;
  /** Whether the processor has failed or is stopping: no further message may start. */
  halted(): boolean;
  /**
   * Asks the owner to send the buffered table writes soon (the buffer reached `maxBufferedWrites`);
   * without it the buffer sends them itself.
   */
  requestFlush?(): void;
}

const EMPTY = Buffer.alloc(0);
const NEVER = new Promise<never>(() => undefined);

/**
 * Runs the group's callbacks for one partition number (of every input topic and the loop), owns the
 * partition's commit trackers and table write buffer, and serialises batches and visits.
 */
export class PartitionProcessor {
  readonly group: string;
  readonly partition: number;
  private readonly graph: GroupGraph;
  private readonly options: ResolvedProcessorOptions;
  private readonly producer: RecordSender;
  /** Emits, loopbacks and dead letters, sent in one batch per run of callbacks. */
  private readonly output: OutputBatch;
  private readonly transaction: PartitionTransaction | undefined;
  /** Exactly-once: per input topic, the first offset not committed by the previous owner (dropped once passed). */
  private resumeFrom: Map<string, number> | undefined;
  private readonly deps: PartitionProcessorDeps;
  private readonly inputs = new Map<string, GraphInput>();
  private readonly trackers = new Map<string, CommitTracker>();
  /** Next offset last committed per input topic. */
  private readonly committed = new Map<string, number>();
  private readonly inputStats = new Map<string, InputCounters>();
  private readonly writes: TableWriteBuffer | undefined;
  /** Reads and effects of the callbacks (the contexts' host). */
  private readonly effects: CallbackEffects;
  private exclusiveTail: Promise<unknown> = Promise.resolve();
  /** The error policy: what becomes of messages whose decode or callback failed. */
  private readonly failures: FailedMessages;
  private closing = false;

  constructor(deps: PartitionProcessorDeps) {
    this.deps = deps;
    this.graph = deps.graph;
    this.group = deps.graph.group;
    this.partition = deps.partition;
    this.options = deps.options;
    this.transaction = deps.transaction;
    this.producer = deps.transaction ?? deps.producer;
    this.resumeFrom = deps.resumeFrom && deps.resumeFrom.size > 0 ? new Map(deps.resumeFrom) : undefined;
    this.output = new OutputBatch(this.producer);
    this.failures = new FailedMessages({ ...deps, group: this.group, inputs: deps.graph.inputs, output: this.output, deadLetterTopics: deadLetterTopics(deps.graph, deps.options) });
    for (const input of deps.graph.inputs) {
      this.inputs.set(input.topic, input);
      this.trackers.set(input.topic, new CommitTracker());
      this.inputStats.set(input.topic, new InputCounters());
    }
    if (deps.table && deps.graph.tableTopic) {
      const topic = deps.graph.tableTopic;
      this.writes = new TableWriteBuffer(
        topic,
        deps.partition,
        this.producer,
        deps.table.storage,
        deps.options.maxBufferedWrites,
        deps.requestFlush,
        (keys) =>
          deps.options.logger.warn('table writes missed the membership lease (a paused process or a slow producer); they wait for the next commit', {
            topic,
            partition: deps.partition,
            keys,
          }),
        deps.transaction !== undefined,
        deps.graph.keyCodec,
      );
    }
    this.effects = new CallbackEffects({ ...deps, output: this.output, writes: this.writes });
  }

  /** Processes a batch after any running batch or visit of this partition. */
  processBatch(batch: MessageBatch): Promise<void> {
    if (this.closing || this.deps.halted()) return Promise.resolve();
    return this.exclusive(() => this.runBatch(batch));
  }

  // Hot path. Per message: one tracker entry, one context object, the decode and the callback; a
  // promise is awaited only when the callback returned one.
  private async runBatch(batch: MessageBatch): Promise<void> {
    if (this.closing || this.deps.halted()) return;
    const topic = batch.topic;
    const input = this.inputs.get(topic);
    const tracker = this.trackers.get(topic);
    if (!input || !tracker) {
      this.deps.reportFailure(new GokaError(`group "${this.group}": the consumer delivered a batch of topic "${topic}", which is not an input of the group`));
      return;
    }
    let messages = batch.messages;
    if (this.resumeFrom) messages = this.dropCommitted(topic, messages);
    const n = messages.length;
    const stats = this.inputStats.get(topic)!;
    if (n === 0) {
      if (batch.highWatermark >= 0) stats.highWatermark = batch.highWatermark;
      return;
    }
    const keyCodec = this.graph.keyCodec;
    const keys: (string | undefined)[] = new Array(n);
    // Keys the key codec refused, by index: they go through the error policy in their turn.
    let badKeys: Map<number, unknown> | undefined;
    for (let i = 0; i < n; i++) {
      const key = messages[i].key;
      if (key === null) keys[i] = '';
      else {
        try {
          keys[i] = keyCodec.decode(key);
        } catch (error) {
          (badKeys ??= new Map()).set(i, error);
        }
      }
    }
    await this.effects.prefetch(keys);

    const codec = input.codec;
    const handler = input.handler as (ctx: ContextImpl, message: unknown) => unknown;
    const nil = this.options.nilHandling;
    const deps = this.deps;
    let processed = 0;
    let bytes = 0;
    for (let i = 0; i < n; i++) {
      if (this.closing || deps.halted()) break;
      const m = messages[i];
      const seq = tracker.begin(m.offset);
      processed++;
      const value = m.value;
      bytes += (m.key === null ? 0 : m.key.length) + (value === null ? 0 : value.length);
      const key = keys[i];
      if (key === undefined) {
        const error = badKeys!.get(i);
        const failure = new MessageError({ group: this.group, topic, partition: this.partition, offset: m.offset }, `cannot decode the key with key codec "${keyCodec.name}": ${describeError(error)}`, {
          cause: error,
        });
        if (await this.failures.settle({ kind: 'decode', message: m, error: failure, tracker, seq, counters: stats })) continue;
        break;
      }
      let decoded: unknown;
      if (value === null && nil !== 'decode') {
        if (nil === 'skip') {
          tracker.done(seq);
          continue;
        }
        decoded = null;
      } else {
        try {
          decoded = codec.decode(value ?? EMPTY);
        } catch (error) {
          const failure = new MessageError({ group: this.group, topic, partition: this.partition, offset: m.offset }, `cannot decode the message with codec "${codec.name}": ${describeError(error)}`, {
            cause: error,
          });
          if (await this.failures.settle({ kind: 'decode', message: m, error: failure, tracker, seq, counters: stats })) continue;
          break;
        }
      }
      const ctx = new ContextImpl(this.effects, tracker, seq, topic, key, m.offset, m.timestamp, m.headers);
      let result: unknown;
      try {
        result = handler(ctx, decoded);
        if (result !== undefined && typeof (result as PromiseLike<unknown>).then === 'function') await result;
      } catch (error) {
        ctx.callbackFailed(error);
      }
      if (ctx.failure) {
        if (ctx.failureReported) break; // an effect failed: the processor fails, whatever the policy
        const again = () => this.callAgain(handler, topic, key, m, decoded, tracker, seq);
        if (await this.failures.handlerFailed({ kind: 'handler', message: m, error: ctx.failure, tracker, seq, counters: stats }, again)) continue;
        break;
      }
      ctx.finishCallback();
    }
    const last = messages[processed > 0 ? processed - 1 : 0];
    if (processed > 0) stats.record(processed, bytes, last.offset, last.timestamp, batch.highWatermark);
  }

  /**
   * A retry of a failed callback (see FailedMessages): a fresh context for the same tracker handle,
   * whose callback unit the failed attempt left held. Resolves with the failure, or undefined after
   * a success. The decoded message is reused, not decoded again: a callback that changed it sees the change.
   */
  private async callAgain(handler: (ctx: ContextImpl, message: unknown) => unknown, topic: string, key: string, m: KafkaMessage, decoded: unknown, tracker: CommitTracker, seq: number): Promise<MessageError | undefined> {
    const ctx = new ContextImpl(this.effects, tracker, seq, topic, key, m.offset, m.timestamp, m.headers);
    try {
      await handler(ctx, decoded);
    } catch (error) {
      return ctx.callbackFailed(error);
    }
    if (ctx.failure) return ctx.failure;
    ctx.finishCallback();
    return undefined;
  }

  /** Exactly-once: drops messages that the previous owner's last transaction committed (see `resumeFrom`). */
  private dropCommitted(topic: string, messages: MessageBatch['messages']): MessageBatch['messages'] {
    const floor = this.resumeFrom!.get(topic);
    if (floor === undefined || messages.length === 0) return messages;
    if (messages[messages.length - 1].offset >= floor) {
      this.resumeFrom!.delete(topic);
      if (this.resumeFrom!.size === 0) this.resumeFrom = undefined;
    }
    return messages[0].offset >= floor ? messages : messages.filter((m) => m.offset >= floor);
  }

  // --- commits, draining, reads -----------------------------------------------------------------

  /** Sends the buffered table writes (at the commit interval); none may leave the process after `notAfter` (see TableWriteBuffer.flush). */
  flushWrites(notAfter?: number): void {
    this.writes?.flush(deadline(notAfter));
  }

  /** Whether table writes wait to be sent. */
  hasPendingWrites(): boolean {
    return this.writes?.hasPending ?? false;
  }

  /**
   * The offset to resume from per input topic that delivered anything: the finished prefix, or the
   * first delivered offset when none finished. Committing it changes nothing but proves membership.
   */
  positionOffsets(): TopicPartitionOffset[] {
    const out: TopicPartitionOffset[] = [];
    for (const [topic, tracker] of this.trackers) {
      const offset = tracker.committable >= 0 ? tracker.committable : tracker.oldestHeldOffset;
      if (offset !== undefined) out.push({ topic, partition: this.partition, offset });
    }
    return out;
  }

  /** Offsets that advanced since the last commit: the next offset to read per input topic. */
  committableOffsets(): TopicPartitionOffset[] {
    const out: TopicPartitionOffset[] = [];
    for (const [topic, tracker] of this.trackers) {
      const offset = tracker.committable;
      if (offset >= 0 && offset > (this.committed.get(topic) ?? -1)) out.push({ topic, partition: this.partition, offset });
    }
    return out;
  }

  /**
   * Exactly-once: commits the partition's transaction between batches. Waits until every delivered
   * message finished (its emits acknowledged), sends the buffered table writes into the transaction,
   * adds the input offsets and commits; then applies the writes to local storage, which so only ever
   * holds committed state. A failure of the processor ends the wait: nothing is committed then.
   */
  commitTransaction(): Promise<void> {
    return this.exclusive(() => this.commitNow());
  }

  private async commitNow(): Promise<void> {
    const transaction = this.transaction;
    if (!transaction) throw new StateError(`group "${this.group}": partition ${this.partition} has no transaction (not exactly-once)`);
    const idle = Promise.all([...this.trackers.values()].map((t) => t.whenIdle())).then(() => true);
    if (!(await Promise.race([idle, (this.deps.failed ?? NEVER).then(() => false)]))) return;
    const writes = this.writes;
    const sent = writes ? await writes.sendForCommit() : undefined;
    const offsets = this.committableOffsets();
    if (!(await transaction.commit(offsets))) return;
    this.markCommitted(offsets);
    if (!sent || !writes) return;
    try {
      await writes.applyCommitted(sent);
    } catch (error) {
      throw new StorageError(
        `group "${this.group}", partition ${this.partition}: applying committed table writes to local storage failed (the table recovers them from Kafka after a restart): ${describeError(error)}`,
        { cause: error },
      );
    }
  }

  /** Exactly-once: aborts an open transaction and disconnects the partition's producer. */
  async closeTransaction(): Promise<void> {
    await this.transaction?.close();
  }

  /** Records offsets as committed (after the consumer acknowledged the commit). */
  markCommitted(offsets: readonly TopicPartitionOffset[]): void {
    for (const o of offsets) {
      if (o.partition === this.partition && o.offset > (this.committed.get(o.topic) ?? -1)) this.committed.set(o.topic, o.offset);
    }
  }

  /**
   * Stops taking new messages. Graceful: waits for the running batch or visit, sends the buffered
   * writes and waits until every started message finished (`interrupted` resolving ends the wait
   * early, e.g. on a failure). After a failure: does not wait for running callbacks; with
   * `flush` (a final commit follows) it sends the buffered writes and waits for every
   * acknowledgement due, so the committed prefix before the failed message is as long as it can get
   * (effects the failed message issued may be visible then, as its emits are; the message itself is
   * processed again after a restart). Without a commit to follow nothing more is sent: writes whose
   * input offsets cannot be committed would only be applied twice when the input is processed again.
   * With `discard` (the partition was lost to another member) the unsent writes are dropped at once.
   */
  async drain(mode: { graceful: boolean; flush: boolean; discard?: boolean; notAfter?: number }, interrupted: Promise<unknown>, onSlow?: (held: Record<string, number>) => void): Promise<void> {
    this.closing = true;
    if (mode.discard) {
      // The partition was lost: nothing more of it may reach Kafka, and writes in flight are not
      // waited for (see TableWriteBuffer.discard), so an unreachable broker cannot hold the rebalance.
      this.writes?.discard();
      return;
    }
    if (mode.graceful) {
      await Promise.race([this.exclusiveTail, interrupted]);
      // Writes that miss the deadline wait in the buffer; the commit ticks go on and send them.
      this.writes?.flush(deadline(mode.notAfter));
      const idle = Promise.all([...this.trackers.values()].map((t) => t.whenIdle()));
      const slow = onSlow && setInterval(() => onSlow(this.heldCounts()), 10_000);
      try {
        await Promise.race([idle, interrupted]);
      } finally {
        if (slow) clearInterval(slow);
      }
    } else if (mode.flush) {
      this.writes?.flush(deadline(mode.notAfter));
      // Emits already sent settle (and release their messages) before the final commit; a failing
      // flush only means fewer offsets become committable.
      await this.output.flush().catch(() => undefined);
    }
    await this.writes?.settled();
  }

  private heldCounts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [topic, tracker] of this.trackers) if (tracker.held > 0) out[topic] = tracker.held;
    return out;
  }

  /** The group table value of a key of this partition, including buffered writes. */
  async get(key: string): Promise<unknown> {
    const codec = this.graph.tableCodec as Codec<unknown> | undefined;
    const table = this.deps.table;
    if (!codec || !table || !this.writes) throw new StateError(`group "${this.group}" has no table: add \`persist\` to the group to use get()`);
    let bytes = this.writes.get(key);
    if (bytes === undefined) bytes = await table.storage.get(key);
    if (bytes === undefined || bytes === null) return undefined;
    return decodeTableValue(codec, bytes, { reader: `processor "${this.group}"`, table: table.topic, partition: this.partition, key });
  }

  /**
   * Runs a visitor over every key of this partition's table, between batches. Resolves with the
   * number of keys visited once every effect of the visit is acknowledged.
   */
  visit(name: string, handler: VisitorHandler<unknown, unknown>, meta: unknown): Promise<number> {
    if (this.closing) return Promise.reject(new StateError(`group "${this.group}": partition ${this.partition} is being closed; visit "${name}" not run`));
    return this.exclusive(async () => {
      const table = this.deps.table;
      const writes = this.writes;
      if (!table || !writes) throw new StateError(`group "${this.group}" has no table to visit`);
      // Apply everything buffered first, so iterating storage sees every key.
      if (this.transaction) await this.commitNow();
      writes.flush();
      await writes.settled();
      writes.prune();
      const run = new VisitRun(name);
      const call = handler as (ctx: VisitorContextImpl, meta: unknown) => unknown;
      let visited = 0;
      for await (const [key, value] of table.storage.iterator()) {
        if (this.closing || this.deps.halted()) {
          throw new StateError(`group "${this.group}": visit "${name}" of partition ${this.partition} ended early because the processor is stopping (${visited} keys visited)`);
        }
        if (run.failure) break;
        // The visitor's value() reads the entry through the cache; dropped again afterwards so a
        // visit of a large table does not keep it all in memory.
        const cached = !writes.has(key);
        if (cached) this.effects.readCache.set(key, value);
        const ctx = new VisitorContextImpl(this.effects, run, key);
        try {
          const result = call(ctx, meta);
          if (result !== undefined && typeof (result as PromiseLike<unknown>).then === 'function') await result;
        } catch (error) {
          if (!run.failure) run.fail(new GokaError(`group "${this.group}", visitor "${name}", partition ${this.partition}, key ${JSON.stringify(key)}: ${describeError(error)}`, { cause: error }));
        } finally {
          ctx.finish();
          if (cached) this.effects.readCache.delete(key);
        }
        visited++;
      }
      writes.flush();
      await run.done();
      return visited;
    });
  }

  stats(): PartitionProcessorStats {
    const joined: Record<string, ReturnType<PartitionTable['stats']>> = {};
    for (const [topic, table] of this.deps.joined) joined[topic] = table.stats();
    let table: PartitionProcessorStats['table'];
    if (this.deps.table) {
      const base = this.deps.table.stats();
      const writes = this.writes;
      table = writes
        ? { ...base, writes: base.writes + writes.writes, recovery: { ...base.recovery, offset: Math.max(base.recovery.offset, writes.appliedOffset) } }
        : base;
    }
    return { table, joined, input: snapshotAll(this.inputStats), output: snapshotAll(this.effects.outputStats) };
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.exclusiveTail.then(fn);
    this.exclusiveTail = run.catch(() => undefined);
    return run;
  }
}

/** A deadline for the producer: none for an unlimited one. */
function deadline(notAfter: number | undefined): number | undefined {
  return notAfter === undefined || notAfter === Number.POSITIVE_INFINITY ? undefined : notAfter;
}
