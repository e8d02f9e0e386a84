import { GokaError, StateError } from '@goka-ts/api';
import type { ComponentState, KeyCodec, Logger, PartitionProcessorStats, ProcessorStats } from '@goka-ts/api';
import { Backoff, sleep } from '../backoff';
import { ComponentLifecycle, type StateListener } from '../component_lifecycle';
import { DeadLetterLimits } from '../errors/dead_letter_fit';
import { describeError } from '../errors/describe_error';
import type { GroupGraph, VisitorHandler } from '../graph/graph';
import { withFields } from '../logger';
import { isTransientFailure } from '../errors/transient';
import { resolveProcessorOptions, type ProcessorOptions, type ResolvedProcessorOptions } from './processor_options';
import { ProcessorRun } from './processor_run';

/**
 * Runs a group graph for this instance's share of the partitions: recovers the group table and
 * joined tables of every assigned partition, calls the callbacks, writes the table and outputs, and
 * commits an input offset only when the message and every effect of it (and of every message
 * before it) is acknowledged.
 *
 * ```ts
 * const processor = new Processor(graph, { client }); // client: e.g. kafkajsClient({ brokers }) of @goka-ts/kafkajs
 * const done = processor.run();          // resolves after stop(), rejects with a MessageError on failure
 * await processor.waitRunning();
 * await processor.stop();
 * ```
 *
 * A processor can be run again after it stopped or failed. With `restart`, transient Kafka errors
 * (a {@link KafkaConnectionError} anywhere in the cause chain, and in exactly-once mode an aborted or
 * fenced transaction) restart it with backoff; processing failures never do.
 */
export class Processor<M = unknown, S = unknown, V = unknown, O = unknown, J = unknown, L = unknown, LV = unknown> {
  readonly graph: GroupGraph<M, S, V, O, J, L, LV>;
  private readonly options: ResolvedProcessorOptions;
  private readonly logger: Logger;
  private readonly lifecycle: ComponentLifecycle;
  /**
   * Run state that outlives restarts: in exactly-once mode a dead letter the broker rejects as too
   * large aborts the transaction, and the next run must not send it at the same size again.
   */
  private readonly deadLetterLimits: DeadLetterLimits;
  private current: ProcessorRun | undefined;
  private running: Promise<void> | undefined;
  private stopRequested = false;
  private stopAbort: AbortController | undefined;

  constructor(graph: GroupGraph<M, S, V, O, J, L, LV>, options: ProcessorOptions) {
    this.graph = graph;
    this.options = resolveProcessorOptions(graph.group, options);
    this.logger = withFields(this.options.logger, { group: graph.group });
    this.lifecycle = new ComponentLifecycle(`processor "${graph.group}"`, this.logger);
    this.deadLetterLimits = new DeadLetterLimits(this.options.maxMessageBytes);
  }

  get state(): ComponentState {
    return this.lifecycle.state;
  }

  /** Calls `listener` on every state change; returns a function that unsubscribes it. */
  onStateChange(listener: StateListener): () => void {
    return this.lifecycle.onStateChange(listener);
  }

  /**
   * Runs until {@link stop} or `signal` (resolves) or a failure (rejects: a MessageError naming
   * group, topic, partition and offset for processing failures). Rejects with a StateError when
   * already running.
   */
  run(signal?: AbortSignal): Promise<void> {
    if (this.running) return Promise.reject(new StateError(`processor "${this.graph.group}" is already running`));
    this.stopRequested = false;
    this.stopAbort = new AbortController();
    const onAbort = () => void this.stop();
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) this.stopRequested = true;
    const running = this.loop().finally(() => {
      signal?.removeEventListener('abort', onAbort);
      this.running = undefined;
    });
    this.running = running;
    return running;
  }

  private async loop(): Promise<void> {
    const restart = this.options.restart;
    const backoff = restart ? new Backoff({ initialMs: restart.initialBackoffMs, maxMs: restart.maxBackoffMs }) : undefined;
    let retries = 0;
    for (;;) {
      if (this.stopRequested) break;
      this.setState('starting');
      const run = new ProcessorRun(this.graph as GroupGraph, this.options, {
        logger: this.logger,
        deadLetterLimits: this.deadLetterLimits,
        setState: (state) => {
          if (!this.stopRequested && this.current === run) this.setState(state);
        },
      });
      this.current = run;
      try {
        if (this.stopRequested) run.stop();
        await run.execute();
        break;
      } catch (error) {
        if (run.reachedRunning) {
          retries = 0;
          backoff?.reset();
        }
        if (this.stopRequested || !restart || !backoff || !isTransientFailure(error) || retries >= restart.maxRetries) {
          this.setState('failed');
          throw error;
        }
        retries++;
        const delay = backoff.next();
        this.logger.warn('restarting after a transient Kafka error', { attempt: retries, delayMs: delay, error: describeError(error) });
        this.setState('starting');
        await sleep(delay, this.stopAbort?.signal);
      } finally {
        this.current = undefined;
      }
    }
    this.setState('stopped');
  }

  /** Stops gracefully and resolves once {@link run} has ended (whether it resolved or rejected). */
  async stop(): Promise<void> {
    const running = this.running;
    if (!running) return;
    if (!this.stopRequested) {
      this.stopRequested = true;
      this.setState('stopping');
      this.stopAbort?.abort();
      this.current?.stop();
    }
    await running.catch(() => undefined);
  }

  /**
   * Resolves when the processor is running (every assigned partition recovered); rejects when it
   * stops or fails first.
   */
  waitRunning(): Promise<void> {
    return this.lifecycle.waitFor('running');
  }

  /** The key codec of the group (the graph's `keys`). */
  get keyCodec(): KeyCodec {
    return this.graph.keyCodec;
  }

  /**
   * The group table value of `key`, including writes not yet acknowledged. Only for keys of
   * partitions this instance owns (by the processor's hasher); others reject with a StateError, and
   * a key the graph's key codec cannot encode rejects with its error.
   */
  async get(key: string): Promise<V | undefined> {
    const run = this.activeRun('get()');
    const total = run.partitionsTotal;
    const partition = this.options.hasher.partition(this.graph.keyCodec.encode(key), total);
    const pp = run.partitions.get(partition);
    if (!pp) {
      const owned = [...run.partitions.keys()].sort((a, b) => a - b).join(', ') || 'none';
      throw new StateError(
        `processor "${this.graph.group}": key ${JSON.stringify(key)} belongs to partition ${partition}, which this instance does not own (owned: ${owned}); ` +
          'read it through a View or from the instance that owns it',
      );
    }
    return (await pp.get(key)) as V | undefined;
  }

  /**
   * Runs the visitor `name` over every key of the group table partitions this instance owns,
   * between batches. Resolves with the number of keys visited once every effect is acknowledged.
   */
  async visitAll(name: string, meta?: unknown): Promise<number> {
    const visitor = this.graph.visitors.get(name) as VisitorHandler<unknown, unknown> | undefined;
    if (!visitor) {
      const names = [...this.graph.visitors.keys()].map((n) => `"${n}"`).join(', ') || 'none';
      throw new GokaError(`processor "${this.graph.group}" has no visitor "${name}" (visitors: ${names})`);
    }
    const run = this.activeRun('visitAll()');
    const counts = await Promise.all([...run.partitions.values()].map((pp) => pp.visit(name, visitor, meta)));
    return counts.reduce((a, b) => a + b, 0);
  }

  stats(): ProcessorStats {
    const run = this.current;
    const partitions: Record<number, PartitionProcessorStats> = {};
    if (run) for (const [p, pp] of run.partitions) partitions[p] = pp.stats();
    return { group: this.graph.group, tableTopic: this.graph.tableTopic, state: this.lifecycle.state, partitions, lookups: run ? run.lookupStats() : {} };
  }

  private activeRun(what: string): ProcessorRun {
    const run = this.current;
    const state = this.lifecycle.state;
    if (!run || state === 'starting' || state === 'idle') {
      throw new StateError(`processor "${this.graph.group}": ${what} needs a running processor (state: ${state})`);
    }
    run.checkActive(what);
    return run;
  }

  private setState(state: ComponentState): void {
    const previous = this.lifecycle.state;
    if (this.lifecycle.set(state)) this.logger.debug('processor state', { state, previous });
  }
}
