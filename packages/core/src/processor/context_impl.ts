import { MessageError, StateError } from '@goka-ts/api';
import type { Headers } from '@goka-ts/api';
import type { Context, EmitOptions } from '../graph/context';
import type { CommitTracker } from './commit_tracker';
import { describeError } from '../errors/describe_error';
import type { EffectOwner } from './effect_holder';

/** What a context (of a message or a visited key) needs from its partition processor. */
export interface ContextHost {
  readonly group: string;
  readonly partition: number;
  /** Decoded group-table value of `key` (buffered writes first, then what was read for the batch). */
  tableValue(key: string, owner: EffectOwner): unknown;
  /** Encodes and buffers a table write (`remove`: delete); fails through `owner` on misuse. */
  writeTable(key: string, value: unknown, remove: boolean, owner: EffectOwner): void;
  /** Emits to an output topic, or to the loop topic when `loop`. */
  emit(owner: EffectOwner, topic: string, key: string, value: unknown, options: EmitOptions | undefined, loop: boolean): void;
  joinValue(table: string, key: string, owner: EffectOwner): unknown;
  lookup(table: string, key: string, owner: EffectOwner): Promise<unknown>;
  /** Records the processor's failure (the first one wins) and stops processing. */
  reportFailure(error: Error): void;
}

type AnyContext = Context<unknown, Record<string, unknown>, Record<string, unknown>, Record<string, unknown>, unknown>;

/**
 * The context of one input message. It is also the message's {@link EffectHolder}: effects hold its
 * tracker entry, so the offset becomes committable only when the callback returned and every effect
 * was acknowledged.
 */
export class ContextImpl implements AnyContext, EffectOwner {
  writeGeneration = 0;
  /**
   * The error this message failed with. Set during the callback, it is left to the partition
   * processor's error policy; effects failing later report it to the host themselves.
   */
  failure: MessageError | undefined;
  /** Whether a failure was reported to the host (an effect failed): the processor fails, no policy applies. */
  failureReported = false;
  private running = true;
  private deferred = 0;

  constructor(
    private readonly host: ContextHost,
    private readonly tracker: CommitTracker,
    private readonly seq: number,
    readonly topic: string,
    readonly key: string,
    readonly offset: number,
    readonly timestamp: number,
    readonly headers: Headers,
  ) {}

  get group(): string {
    return this.host.group;
  }

  get partition(): number {
    return this.host.partition;
  }

  value(): unknown {
    this.checkRunning('value');
    return this.host.tableValue(this.key, this);
  }

  setValue(value: unknown): void {
    this.checkOpen('setValue');
    if (value === null || value === undefined) {
      this.fail(new TypeError(`setValue(${value}) is not allowed`), `ctx.setValue(${value}) is not allowed; use ctx.delete() to remove the key`);
    }
    this.host.writeTable(this.key, value, false, this);
  }

  delete(): void {
    this.checkOpen('delete');
    this.host.writeTable(this.key, undefined, true, this);
  }

  emit(topic: string, key: string, value: unknown, options?: EmitOptions): void {
    this.checkOpen('emit');
    this.host.emit(this, topic, key, value, options, false);
  }

  loopback(key: string, value: unknown, options?: EmitOptions): void {
    this.checkOpen('loopback');
    this.host.emit(this, '', key, value, options, true);
  }

  join(table: string): unknown {
    this.checkRunning('join');
    return this.host.joinValue(table, this.key, this);
  }

  lookup(table: string, key: string): Promise<unknown> {
    return this.host.lookup(table, key, this);
  }

  /**
   * Fails the message with `error` (wrapped in a MessageError naming this message) and throws it,
   * so the callback ends here. `reason` overrides the default text. While the callback runs the
   * failure is only recorded: the partition processor applies the error policy once the callback
   * ended (even when it caught the throw). Afterwards (deferred work) it fails the processor.
   */
  fail(error: unknown, reason?: string): never {
    const failure = this.failure ?? new MessageError(this.where(), reason ?? `ctx.fail: ${describeError(error)}`, { cause: error });
    if (this.running) this.failure ??= failure;
    else this.report(failure);
    throw failure;
  }

  deferCommit(): (error?: unknown) => void {
    this.checkOpen('deferCommit');
    this.deferred++;
    this.tracker.add(this.seq);
    let called = false;
    return (error?: unknown) => {
      if (called) return;
      called = true;
      this.deferred--;
      if (error !== undefined && error !== null) this.effectFailed('deferred commit failed', error);
      else this.tracker.done(this.seq);
    };
  }

  // --- EffectHolder ---------------------------------------------------------------------------

  /** Messages of one tracker finish in offset order: a held message delays every later one. */
  get holdScope(): object {
    return this.tracker;
  }

  get holdOrder(): number {
    return this.seq;
  }

  hold(): void {
    this.tracker.add(this.seq);
  }

  release(): void {
    this.tracker.done(this.seq);
  }

  effectFailed(what: string, error: unknown): void {
    this.report(new MessageError(this.where(), `${what}: ${describeError(error)}`, { cause: error }));
  }

  // --- used by the partition processor ------------------------------------------------------

  /** The callback returned (or its promise settled): releases the callback's own unit unless the message failed. */
  finishCallback(): void {
    this.running = false;
    if (!this.failure) this.tracker.done(this.seq);
  }

  /**
   * The callback threw (or its promise rejected): records the failure unless the context already
   * did, for the partition processor to apply the error policy to (see {@link failure}).
   */
  callbackFailed(error: unknown): MessageError {
    this.running = false;
    this.failure ??= new MessageError(this.where(), `callback failed: ${describeError(error)}`, { cause: error });
    return this.failure;
  }

  where(): { group: string; topic: string; partition: number; offset: number } {
    return { group: this.host.group, topic: this.topic, partition: this.host.partition, offset: this.offset };
  }

  private report(failure: MessageError): void {
    this.failureReported = true;
    if (!this.failure) this.failure = failure;
    this.host.reportFailure(failure);
  }

  /** Reads see the state of the message's turn; afterwards later messages may have changed it. */
  private checkRunning(call: string): void {
    if (this.running) return;
    throw new StateError(
      `ctx.${call}() called after the callback for topic "${this.topic}" partition ${this.host.partition} offset ${this.offset} returned; ` +
        'read the table inside the callback',
    );
  }

  private checkOpen(call: string): void {
    if (this.running || this.deferred > 0) return;
    throw new StateError(
      `ctx.${call}() called after the callback for topic "${this.topic}" partition ${this.host.partition} offset ${this.offset} finished; ` +
        'call ctx.deferCommit() in the callback to keep the message open for asynchronous work',
    );
  }
}
