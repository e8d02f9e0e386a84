import { GokaError, type GroupConsumer, type Logger, type TopicPartitionOffset } from '@goka-ts/api';

/** A membership proof without a deadline: there was nothing to commit, so nothing to prove with. */
export const NO_DEADLINE = Number.POSITIVE_INFINITY;
/** How long a commit may go unanswered when the consumer options name no session timeout (ms). */
const COMMIT_ANSWER_TIMEOUT_MS = 10_000;

/**
 * Turns accepted offset commits into proofs that this instance is still the group member owning its
 * partitions, which at-least-once table writes need before they leave (see `ProcessorRun.commit`).
 *
 * The proof is a lease: the coordinator accepted the commit while this member's session was alive
 * and renewed it, so the session lasts at least one session timeout from the moment the commit
 * was sent. Half of that is what writes may use; a process paused for longer (it reads the answer
 * only after waking up, when its successor may already have taken over) gets a lease that has
 * already run out, and the writes wait for the next proof. Adapters hold every table record to the
 * lease up to the moment it leaves the process (`ProducerRecord.notAfter`).
 *
 * A commit without an answer within the session timeout counts as refused: by then the membership
 * it would prove may be gone, and a revocation must not wait on it (a client that queues commits
 * while the coordinator is unreachable would otherwise hold the rebalance, and the processor,
 * until the broker returns).
 */
export class MembershipLease {
  private readonly timeoutMs: number;

  constructor(
    private readonly group: string,
    sessionTimeoutMs: number | undefined,
    private readonly logger: Logger,
  ) {
    this.timeoutMs = sessionTimeoutMs ?? COMMIT_ANSWER_TIMEOUT_MS;
  }

  /**
   * Commits `offsets`; calls `onAccepted` when the group accepted them, and resolves with the moment
   * (`performance.now()` ms) until which that proves membership, or `undefined` when the group
   * refused the commit or answered too late to prove anything.
   */
  async commit(consumer: GroupConsumer, offsets: TopicPartitionOffset[], onAccepted: () => void): Promise<number | undefined> {
    const timeoutMs = this.timeoutMs;
    const sentAt = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const unanswered = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new GokaError(`group "${this.group}": the commit was not answered within ${timeoutMs} ms`)), timeoutMs);
      timer.unref();
    });
    try {
      await Promise.race([consumer.commit(offsets), unanswered]);
    } catch (error) {
      // Not fatal: the offsets stay committable and go out with the next commit; at worst a new owner reprocesses them.
      this.logger.warn('committing offsets failed', { error, offsets: offsets.map((o) => `${o.topic}/${o.partition}@${o.offset}`).join(',') });
      return undefined;
    } finally {
      clearTimeout(timer);
    }
    onAccepted();
    const answeredAfter = performance.now() - sentAt;
    if (answeredAfter > timeoutMs / 2) {
      this.logger.warn('a commit was answered too late to prove membership (was the process paused?); table writes wait for the next commit', {
        answeredAfterMs: Math.round(answeredAfter),
        sessionTimeoutMs: timeoutMs,
      });
      return undefined;
    }
    return sentAt + timeoutMs / 2;
  }
}
