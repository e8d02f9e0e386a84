import type { Headers, MessageError } from '@goka-ts/api';
import { describeError } from './describe_error';

/** Parks the failed message in a dead-letter topic (see "Bad input: the error policy" in the README). */
export interface DeadLetterAction {
  /** The dead-letter topic. Created at start-up when missing, with the partition count of the inputs. */
  readonly deadLetter: string;
}

/**
 * What becomes of one input message that failed:
 * - `'fail'`: the processor stops with the error; the offset stays uncommitted (processed again after a restart);
 * - `'skip'`: logged (group, topic, partition, offset, error) and counted in the input stats (`skipped`);
 *   its offset is committed like any finished message's;
 * - `{ deadLetter: topic }`: a copy (original key, value and headers, plus `goka.dlq.*` headers naming
 *   where it came from and why it failed) goes to `topic`, cut to fit the topic's limit when too large
 *   (`goka.dlq.truncated` then says what was given up); the input offset is committed only after
 *   Kafka acknowledged that copy (counted as `deadLettered`).
 */
export type FailureAction = 'fail' | 'skip' | DeadLetterAction;

/** Decides per failure; may be async (the partition waits for it). A throw fails the processor. */
export type ErrorDecider = (failure: MessageFailure) => FailureAction | PromiseLike<FailureAction>;

/**
 * The error policy of a processor or an input edge (`onError`): a fixed {@link FailureAction} or an
 * {@link ErrorDecider}. It covers decode errors of inputs and the loop, a callback that throws or
 * rejects, and `ctx.fail()` (also misuse the context reports that way, e.g. an emit over
 * `maxMessageBytes`). Kafka and storage failures and effects that fail after the callback returned
 * always fail the processor.
 */
export type ErrorPolicy = FailureAction | ErrorDecider;

/**
 * Bounded retries of a failed callback before the error policy applies (decode errors are not
 * retried: decoding the same bytes again fails again). The partition waits meanwhile, and a
 * graceful stop waits for the retries to end. Effects of a failed call (emits, table writes) are
 * not undone, so a retried callback should fail before its first effect. In `@goka-ts/tester`
 * keep `backoffMs` small: its waits for quiescence count event-loop turns, not time.
 */
export interface RetryPolicy {
  /** Calls of the callback after the first failed one (so at most `1 + attempts` calls). */
  readonly attempts: number;
  /** Wait before the first retry (ms); doubles per retry, with jitter. Default 100. */
  readonly backoffMs?: number;
  /** Longest wait between retries (ms). Default 10 000. */
  readonly maxBackoffMs?: number;
}

/** An input message that failed, as an {@link ErrorDecider} sees it. */
export interface MessageFailure {
  /**
   * `'decode'`: the graph's key codec could not decode the key, or the input codec the value;
   * `'handler'`: the callback threw, rejected or called `ctx.fail()`.
   */
  readonly kind: 'decode' | 'handler';
  readonly group: string;
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /** Record timestamp (ms since the epoch). */
  readonly timestamp: number;
  /** The record's key and value bytes as Kafka delivered them (`null`: none / tombstone). */
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Headers;
  /** Names topic, partition and offset; `cause` is what the codec or callback threw (or passed to `ctx.fail`). */
  readonly error: MessageError;
  /** Calls of the callback made (retries included); 0 for decode errors. */
  readonly attempts: number;
}

/** A {@link RetryPolicy} with defaults applied. */
export interface ResolvedRetries {
  readonly attempts: number;
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
}

/** Why `policy` is not an {@link ErrorPolicy}, or undefined when it is one. */
export function errorPolicyProblem(policy: unknown): string | undefined {
  if (typeof policy === 'function') return undefined;
  return actionProblem(policy);
}

/** Why `action` is not a {@link FailureAction}, or undefined when it is one. */
export function actionProblem(action: unknown): string | undefined {
  if (action === 'fail' || action === 'skip') return undefined;
  if (typeof action === 'object' && action !== null && 'deadLetter' in action) {
    const topic = (action as DeadLetterAction).deadLetter;
    return typeof topic === 'string' && topic.length > 0 ? undefined : `deadLetter must name a topic, got ${JSON.stringify(topic)}`;
  }
  return `must be 'fail', 'skip', { deadLetter: topic } or a function deciding per failure, got ${typeof action === 'string' ? JSON.stringify(action) : describeError(action)}`;
}

/** Applies defaults; throws a RangeError naming `where` for invalid values. */
export function resolveRetries(retries: RetryPolicy | undefined, where: string): ResolvedRetries | undefined {
  if (retries === undefined) return undefined;
  const { attempts, backoffMs = 100, maxBackoffMs = 10_000 } = retries;
  if (!Number.isInteger(attempts) || attempts < 0) throw new RangeError(`${where}: retries.attempts must be an integer >= 0, got ${attempts}`);
  if (!(backoffMs >= 0) || !(maxBackoffMs >= backoffMs)) {
    throw new RangeError(`${where}: retries need 0 <= backoffMs <= maxBackoffMs, got backoffMs=${backoffMs} maxBackoffMs=${maxBackoffMs}`);
  }
  return { attempts, backoffMs, maxBackoffMs };
}

/** The dead-letter topic of a fixed policy (none for decider functions, which name theirs in `deadLetterTopics`). */
export function deadLetterTopicOf(policy: ErrorPolicy | undefined): string | undefined {
  return typeof policy === 'object' && policy !== null ? policy.deadLetter : undefined;
}

