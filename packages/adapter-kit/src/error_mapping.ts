import { GokaError, KafkaConnectionError, UnknownTopicError } from '@goka-ts/api';

/** What a client call was doing when it failed, for the error a caller sees. */
export interface ErrorContext {
  /** What was attempted, e.g. `"kafkajs producer: send"`. */
  readonly operation: string;
  readonly brokers: readonly string[];
  /** The topic the operation concerns, so a missing topic can be named. */
  readonly topic?: string;
}

/** How one client's errors are read: the questions {@link mapClientError} asks of them. */
export interface ClientErrorReader {
  isUnknownTopic(err: unknown): boolean;
  isConnectionError(err: unknown): boolean;
  /** The message of the innermost error, which says what really went wrong. */
  rootMessage(err: unknown): string;
  /** What to add to a general error's message (e.g. ` (root cause)`); `message` is the error's own. */
  detail(err: unknown, message: string, root: string): string;
}

/**
 * Maps a client error to the goka-ts error classes: {@link UnknownTopicError} (with the context's
 * topic), {@link KafkaConnectionError}, or a {@link GokaError} naming the operation. goka-ts errors
 * pass through, so an error mapped once keeps its class when mapped again further up.
 */
export function mapClientError(err: unknown, ctx: ErrorContext, reader: ClientErrorReader): Error {
  if (err instanceof GokaError) return err;
  if (ctx.topic !== undefined && reader.isUnknownTopic(err)) return new UnknownTopicError(ctx.topic, { cause: err });
  if (reader.isConnectionError(err)) {
    return new KafkaConnectionError(`${ctx.operation}: cannot reach Kafka brokers ${ctx.brokers.join(',')}: ${reader.rootMessage(err)}`, { cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new GokaError(`${ctx.operation} failed: ${message}${reader.detail(err, message, reader.rootMessage(err))}`, { cause: err });
}

/** Any thrown value as an Error. */
export function asError(err: unknown): Error {
  return err instanceof Error ? err : new GokaError(String(err));
}
