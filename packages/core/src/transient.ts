import { KafkaConnectionError } from '@goka-ts/api';

/**
 * Whether an error (or one of its causes) is a {@link KafkaConnectionError}: the broker went away or
 * did not answer, so trying again later can succeed. Adapters map their connection failures to it.
 */
export function isConnectionFailure(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 10; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof KafkaConnectionError) return true;
  }
  return false;
}
