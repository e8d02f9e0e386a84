import { MessageError, TransactionAbortedError, type KafkaMessage, type Logger, type ProducerRecord } from '@goka-ts/api';
import { Backoff } from '../backoff';
import type { CommitTracker } from '../processor/commit_tracker';
import { deadLetterRecord } from './dead_letter';
import { DEAD_LETTER_TRUNCATION_HEADERS } from './dead_letter_headers';
import { isRecordTooLarge, type DeadLetterLimits } from './dead_letter_fit';
import { describeError } from './describe_error';
import { actionProblem, type ErrorPolicy, type FailureAction, type MessageFailure, type ResolvedRetries } from './error_policy';
import type { GraphInput } from '../graph/graph';
import type { OutputBatch } from '../processor/output_batch';
import type { InputCounters } from '../processor/processor_stats';
import type { ResolvedProcessorOptions } from '../processor/processor_options';

export interface FailedMessagesDeps {
  readonly group: string;
  readonly partition: number;
  readonly inputs: readonly GraphInput[];
  readonly options: Pick<ResolvedProcessorOptions, 'onError' | 'retries' | 'logger' | 'guarantee' | 'transactionalIdPrefix'>;
  /** The partition's batched output (to its transaction in exactly-once mode, so a dead letter commits with the input offset). */
  readonly output: OutputBatch;
  /** Partition counts of the dead-letter topics (and others); see `prepareDeadLetterTopics`. */
  readonly topicPartitions: ReadonlyMap<string, number>;
  /** The processor's dead-letter size limits, lowered by rejections (they outlive restarts). */
  readonly deadLetterLimits: DeadLetterLimits;
  /** Dead-letter topics the processor prepared; a decider may choose only these. */
  readonly deadLetterTopics: ReadonlySet<string>;
  reportFailure(error: Error): void;
  /** Resolves once the processor failed: ends retry waits. */
  readonly failed?: Promise<unknown>;
}

/** One failed message on its way through the policy. */
export interface Failed {
  readonly kind: MessageFailure['kind'];
  readonly message: KafkaMessage;
  readonly error: MessageError;
  /** The message's commit tracker and handle: its callback unit is still held. */
  readonly tracker: CommitTracker;
  readonly seq: number;
  readonly counters: InputCounters;
}

/**
 * Applies the error policy of a partition processor to messages whose decode or callback failed:
 * retries the callback, then fails the processor, skips the message or parks it in a dead-letter
 * topic. Only failure paths come here; the hot path pays nothing for it.
 *
 * The failed message's callback unit in its commit tracker is still held when it arrives: a skip
 * releases it at once, a dead letter when Kafka acknowledged the dead-letter record, so the input
 * offset is never committed while the message is neither processed nor parked. Effects the
 * callback issued before it failed stay issued (and hold the offset until acknowledged, as always).
 */
export class FailedMessages {
  private readonly policies = new Map<string, { readonly onError: ErrorPolicy; readonly retries: ResolvedRetries | undefined }>();
  private readonly logger: Logger;
  private processorFailed = false;

  constructor(private readonly deps: FailedMessagesDeps) {
    for (const input of deps.inputs) {
      this.policies.set(input.topic, { onError: input.onError ?? deps.options.onError, retries: input.retries ?? deps.options.retries });
    }
    this.logger = deps.options.logger;
    void deps.failed?.then(() => (this.processorFailed = true));
  }

  /**
   * A callback failed (`failure` is the context's): retries it with `again` (which calls it once
   * more with a new context and resolves with its failure, or undefined after a success that
   * released the callback unit), then applies the policy.
   * @returns whether the partition goes on with the next message.
   */
  async handlerFailed(failed: Failed, again: () => Promise<MessageError | undefined>): Promise<boolean> {
    const retries = this.policies.get(failed.message.topic)?.retries;
    let error = failed.error;
    let attempts = 1;
    if (retries && retries.attempts > 0) {
      const backoff = new Backoff({ initialMs: retries.backoffMs, maxMs: retries.maxBackoffMs });
      while (attempts <= retries.attempts) {
        const delayMs = backoff.next();
        this.logger.debug('retrying a failed callback', { ...this.where(failed.message), attempt: attempts, delayMs, error: error.reason });
        if (!(await this.wait(delayMs))) return false;
        attempts++;
        const next = await again();
        if (next === undefined) return true;
        error = next;
      }
    }
    return this.settle({ ...failed, error }, attempts);
  }

  /**
   * Applies the policy to a failed message (after any retries).
   * @returns whether the partition goes on with the next message: false when the processor fails.
   */
  async settle(failed: Failed, attempts = 0): Promise<boolean> {
    if (this.processorFailed) return false;
    const m = failed.message;
    const failure: MessageFailure = {
      kind: failed.kind,
      group: this.deps.group,
      topic: m.topic,
      partition: this.deps.partition,
      offset: m.offset,
      timestamp: m.timestamp,
      key: m.key,
      value: m.value,
      headers: m.headers,
      error: failed.error,
      attempts,
    };
    const action = await this.decide(failure);
    if (action === undefined || action === 'fail') {
      if (action === 'fail') this.deps.reportFailure(failed.error);
      return false;
    }
    if (action === 'skip') {
      this.logger.warn('skipped a message that failed (onError: skip)', { ...this.where(m), kind: failure.kind, error: failed.error.reason });
      failed.counters.skipped++;
      failed.tracker.done(failed.seq);
      return true;
    }
    return this.deadLetter(failure, action.deadLetter, failed);
  }

  private async decide(failure: MessageFailure): Promise<FailureAction | undefined> {
    const policy = this.policies.get(failure.topic)?.onError ?? this.deps.options.onError;
    if (typeof policy !== 'function') return policy;
    let action: unknown;
    try {
      action = await policy(failure);
    } catch (error) {
      this.deps.reportFailure(this.messageError(failure, `the onError function failed: ${describeError(error)} (deciding on: ${failure.error.reason})`, error));
      return undefined;
    }
    const problem = actionProblem(action);
    if (problem) {
      this.deps.reportFailure(this.messageError(failure, `the onError function returned an invalid action: it ${problem} (deciding on: ${failure.error.reason})`, failure.error));
      return undefined;
    }
    return action as FailureAction;
  }

  private deadLetter(failure: MessageFailure, topic: string, failed: Failed): boolean {
    const partitions = this.deps.topicPartitions.get(topic);
    if (partitions === undefined || !this.deps.deadLetterTopics.has(topic)) {
      this.deps.reportFailure(
        this.messageError(failure, `dead-letter topic "${topic}" is not prepared; list it in the processor's deadLetterTopics option (failed with: ${failure.error.reason})`, failure.error),
      );
      return false;
    }
    const parked = this.park(failure, deadLetterRecord(failure, topic, partitions), failed);
    if (parked) this.logger.warn('parked a message that failed in a dead-letter topic', { ...this.where(failed.message), deadLetter: topic, kind: failure.kind, error: failure.error.reason });
    return parked;
  }

  /**
   * Sends `record` (the whole dead letter of `failure`), cut to fit its topic. The callback unit
   * stays held until the dead letter is acknowledged: the input offset must not be committed before
   * the message is parked.
   */
  private park(failure: MessageFailure, record: ProducerRecord, failed: Failed): boolean {
    const limits = this.deps.deadLetterLimits;
    const topic = record.topic;
    const fitted = limits.fit(record);
    if (fitted instanceof Error) {
      this.deps.reportFailure(this.messageError(failure, `cannot park the message in dead-letter topic "${topic}": ${fitted.message} (failed with: ${failure.error.reason})`, fitted));
      return false;
    }
    if (fitted.truncated.length > 0) {
      this.logger.warn('cut a dead letter to fit its topic', { ...this.where(failed.message), deadLetter: topic, truncated: fitted.truncated.join(','), reason: fitted.record.headers?.[DEAD_LETTER_TRUNCATION_HEADERS.reason]?.toString() });
    }
    this.deps.output.add(fitted.record, {
      sent: () => {
        failed.counters.deadLettered++;
        failed.tracker.done(failed.seq);
      },
      failed: (error: unknown) => {
        const sending = `sending to dead-letter topic "${topic}" failed: ${describeError(error)} (failed with: ${failure.error.reason})`;
        if (!isRecordTooLarge(error) || !limits.rejected(fitted)) {
          this.deps.reportFailure(this.messageError(failure, sending, error));
          return;
        }
        if (this.processorFailed) return;
        if (this.deps.options.guarantee === 'exactly-once') {
          // The rejection doomed the partition's transaction: the processor restarts (transient),
          // processes the message again and parks it under the limit lowered now.
          const id = `${this.deps.options.transactionalIdPrefix}${failure.group}-${failure.partition}`;
          const aborted = new TransactionAbortedError(id, `${sending}; the dead letter is sent again, smaller, after the restart`, { cause: error });
          this.deps.reportFailure(this.messageError(failure, aborted.message, aborted));
          return;
        }
        this.logger.warn('a dead letter was rejected as too large; sending it again, smaller', { ...this.where(failed.message), deadLetter: topic, error: describeError(error) });
        this.park(failure, record, failed);
      },
    });
    return true;
  }

  /** Waits before a retry; resolves false when the processor failed meanwhile (the message then stays uncommitted). */
  private wait(ms: number): Promise<boolean> {
    if (this.processorFailed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(!this.processorFailed), ms);
      void this.deps.failed?.then(() => {
        clearTimeout(timer);
        resolve(false);
      });
    });
  }

  private where(m: KafkaMessage): { group: string; topic: string; partition: number; offset: number } {
    return { group: this.deps.group, topic: m.topic, partition: this.deps.partition, offset: m.offset };
  }

  private messageError(failure: MessageFailure, reason: string, cause: unknown): MessageError {
    return new MessageError({ group: failure.group, topic: failure.topic, partition: failure.partition, offset: failure.offset }, reason, { cause });
  }
}

