import { GokaError } from '@goka-ts/api';
import type { EmitOptions, VisitorContext } from '../graph/context';
import type { ContextHost } from './context_impl';
import { describeError } from '../errors/describe_error';
import type { EffectOwner } from './effect_holder';

/**
 * One visitor run over one partition: counts the effects of every visited key and settles once
 * they are all acknowledged, or with the first failure.
 */
export class VisitRun {
  private pending = 0;
  private finished = false;
  private error: Error | undefined;
  private waiter: ((error?: Error) => void) | undefined;

  constructor(readonly name: string) {}

  get failure(): Error | undefined {
    return this.error;
  }

  hold(): void {
    this.pending++;
  }

  release(): void {
    if (--this.pending === 0 && this.finished) this.waiter?.();
  }

  fail(error: Error): void {
    if (this.error) return;
    this.error = error;
    this.waiter?.(error);
  }

  /** Every key was visited: resolves once all effects are acknowledged; rejects with the first failure. */
  done(): Promise<void> {
    this.finished = true;
    if (this.error) return Promise.reject(this.error);
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiter = (error) => (error ? reject(error) : resolve());
    });
  }
}

type AnyVisitorContext = VisitorContext<unknown, Record<string, unknown>>;

/** The context of one visited key of the group table. */
export class VisitorContextImpl implements AnyVisitorContext, EffectOwner {
  writeGeneration = 0;
  private running = true;

  constructor(
    private readonly host: ContextHost,
    private readonly run: VisitRun,
    readonly key: string,
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
    this.checkRunning('setValue');
    if (value === null || value === undefined) this.fail(new TypeError(`setValue(${value})`), `ctx.setValue(${value}) is not allowed; use ctx.delete() to remove the key`);
    this.host.writeTable(this.key, value, false, this);
  }

  delete(): void {
    this.checkRunning('delete');
    this.host.writeTable(this.key, undefined, true, this);
  }

  emit(topic: string, key: string, value: unknown, options?: EmitOptions): void {
    this.checkRunning('emit');
    this.host.emit(this, topic, key, value, options, false);
  }

  /** The visitor callback for this key returned. */
  finish(): void {
    this.running = false;
  }

  fail(error: unknown, reason?: string): never {
    const failure = this.error(reason ?? describeError(error), error);
    this.run.fail(failure);
    throw failure;
  }

  /** A visit run settles only when all its effects did: holding it once per generation is enough. */
  get holdScope(): object {
    return this.run;
  }

  get holdOrder(): number {
    return 0;
  }

  hold(): void {
    this.run.hold();
  }

  release(): void {
    this.run.release();
  }

  effectFailed(what: string, error: unknown): void {
    // A lost table write or emit leaves the table out of step: the processor fails too.
    const failure = this.error(`${what}: ${describeError(error)}`, error);
    this.run.fail(failure);
    this.host.reportFailure(failure);
  }

  private error(reason: string, cause: unknown): GokaError {
    return new GokaError(`group "${this.host.group}", visitor "${this.run.name}", partition ${this.host.partition}, key ${JSON.stringify(this.key)}: ${reason}`, { cause });
  }

  private checkRunning(call: string): void {
    if (!this.running) throw new GokaError(`visitor "${this.run.name}": ctx.${call}() called after the visitor callback for key ${JSON.stringify(this.key)} returned`);
  }
}
