import { BatchSendError } from '@goka-ts/api';
import type { ProducerRecord } from '@goka-ts/api';

/** The first record of a batch that failed, with its error. */
export interface FailedRecord {
  readonly record: ProducerRecord;
  readonly error: Error;
}

/**
 * The first record (in batch order) whose outcome in a {@link BatchSendError} is an error that
 * `counts` (default: any); `undefined` when `error` has no per-record outcomes or none counts.
 */
export function firstFailedRecord(records: readonly ProducerRecord[], error: unknown, counts: (e: Error) => boolean = () => true): FailedRecord | undefined {
  if (!(error instanceof BatchSendError)) return undefined;
  const index = error.outcomes.findIndex((outcome) => outcome instanceof Error && counts(outcome));
  const record = records[index];
  return record ? { record, error: error.outcomes[index] as Error } : undefined;
}
