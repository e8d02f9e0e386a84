import type { ProduceResult } from './client';

/** Base class of every goka-ts error. */
export class GokaError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A broker could not be reached or stopped answering within the configured time. */
export class KafkaConnectionError extends GokaError {}

/** A topic that an operation needs does not exist. */
export class UnknownTopicError extends GokaError {
  constructor(readonly topic: string, options?: { cause?: unknown; detail?: string }) {
    super(`topic "${topic}" does not exist${options?.detail ? `: ${options.detail}` : ''}`, options);
  }
}

/** An existing topic differs from what a component needs (partitions, replication, config). */
export class TopicMismatchError extends GokaError {
  constructor(readonly topic: string, readonly differences: readonly string[]) {
    super(`topic "${topic}" does not match its specification: ${differences.join('; ')}`);
  }
}

/**
 * A topic could not be created because it exists already, usually created a moment earlier by
 * another instance starting at the same time. Its metadata may not be visible everywhere yet.
 */
export class TopicExistsError extends GokaError {
  constructor(readonly topic: string, options?: { cause?: unknown }) {
    super(`topic "${topic}" already exists`, options);
  }
}

/** A call that the component's current state does not allow (emit after finish, run twice, ...). */
export class StateError extends GokaError {}

/**
 * Processing of one message failed. Names where the message is, so operators can find it;
 * `cause` holds the original error.
 */
export class MessageError extends GokaError {
  constructor(
    readonly where: { readonly group?: string; readonly topic: string; readonly partition: number; readonly offset: number },
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    const group = where.group ? `group "${where.group}", ` : '';
    super(`${group}topic "${where.topic}", partition ${where.partition}, offset ${where.offset}: ${reason}`, options);
  }
}

/** A storage backend failed or is unusable. */
export class StorageError extends GokaError {}

/** A storage path is locked by another process or instance. */
export class StorageLockedError extends StorageError {}

/**
 * A record was not sent because its {@link ProducerRecord.notAfter} moment had passed before it
 * could leave the process. Nothing of it was written; the sender decides whether to send it again.
 */
export class WriteExpiredError extends GokaError {
  constructor(readonly topic: string, readonly partition: number, readonly lateByMs: number) {
    super(`record for topic "${topic}" partition ${partition} not sent: its send deadline passed ${Math.round(lateByMs)} ms before it could leave the process`);
  }
}

/**
 * Some records of a `sendBatch` failed. `outcomes[i]` is, for the batch's `records[i]`, where it was
 * written or the error it failed with (the one a single `send` of it would have rejected with).
 * Records not listed as errors were acknowledged: outside a transaction they stay written.
 */
export class BatchSendError extends GokaError {
  /** The failed records' errors, in batch order; at least one. */
  readonly errors: readonly Error[];
  constructor(readonly outcomes: ReadonlyArray<ProduceResult | Error>) {
    const errors = outcomes.filter((o): o is Error => o instanceof Error);
    super(`${errors.length} of ${outcomes.length} records of the batch not written; first: ${errors[0]?.message ?? 'unknown'}`, { cause: errors[0] });
    this.errors = errors;
  }
}

/**
 * A transactional producer was replaced by a newer one with the same transactional id (another
 * process took over its partition), or the broker rejected it as stale. Its open transaction is
 * aborted; the producer cannot be used again.
 */
export class ProducerFencedError extends GokaError {
  constructor(readonly transactionalId: string, options?: { cause?: unknown }) {
    super(`transactional producer "${transactionalId}" was fenced by a newer producer with the same id`, options);
  }
}

/**
 * A transaction could not be committed and was aborted (or the broker aborted it): none of its
 * records or offsets are visible. The processor starts over from the last committed transaction.
 */
export class TransactionAbortedError extends GokaError {
  constructor(readonly transactionalId: string, reason: string, options?: { cause?: unknown }) {
    super(`transaction of "${transactionalId}" aborted: ${reason}`, options);
  }
}

/**
 * A record was not sent because it is larger than the message size limit (goka-ts' own check
 * before sending, or the client's or broker's answer): sending it would only be rejected. Nothing
 * of it was written; the producer stays usable.
 */
export class RecordTooLargeError extends GokaError {
  constructor(
    readonly topic: string,
    /** The record's key as text (UTF-8), for the message. */
    readonly key: string,
    /** Bytes of key, value and headers. */
    readonly size: number,
    readonly limit: number,
    options?: { cause?: unknown; detail?: string },
  ) {
    super(
      `record of key ${JSON.stringify(key.length > 100 ? `${key.slice(0, 100)}…` : key)} for topic "${topic}" is ${size} bytes, over the limit of ${limit} bytes` +
        (options?.detail ? `; ${options.detail}` : ''),
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
  }
}

/**
 * A record batch fetched from Kafka could not be decompressed: it is corrupt, or uses a codec or
 * framing the client cannot read. Fetching it again returns the same bytes, so readers stop with
 * this error instead of retrying. `offset` is the first offset the reader could not read; the
 * batch holding it may start a little earlier. `cause` holds the codec's own error.
 */
export class DecompressionError extends GokaError {
  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly offset: number,
    /** The batch's codec as Kafka names it (`gzip`, `snappy`, `lz4`, `zstd`), or `unknown`. */
    readonly codec: string,
    options?: { cause?: unknown },
  ) {
    const cause = options?.cause instanceof Error ? options.cause.message : options?.cause === undefined ? '' : String(options.cause);
    super(`cannot decompress the ${codec} record batch of topic "${topic}", partition ${partition} at offset ${offset}${cause ? `: ${cause}` : ''}`, options);
  }
}
