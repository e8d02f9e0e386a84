import { KafkaConnectionError, ProducerFencedError, TransactionAbortedError } from '@goka-ts/api';

/**
 * Whether an error (or one of its causes) is a {@link KafkaConnectionError}: the broker went away or
 * did not answer, so trying again later can succeed. Adapters map their connection failures to it.
 */
export function isConnectionFailure(error: unknown): boolean {
  return hasCause(error, (e) => e instanceof KafkaConnectionError);
}

/**
 * Whether a processor may restart after `error`: a connection failure, or (exactly-once) a
 * transaction that was aborted or fenced. Nothing of an aborted transaction is visible, so the
 * restarted processor recovers the last committed state and processes the same input again.
 */
export function isTransientFailure(error: unknown): boolean {
  return hasCause(error, (e) => e instanceof KafkaConnectionError || e instanceof ProducerFencedError || e instanceof TransactionAbortedError);
}

function hasCause(error: unknown, test: (e: Error) => boolean): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 10; e = (e as { cause?: unknown }).cause, depth++) {
    if (test(e)) return true;
  }
  return false;
}
