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
