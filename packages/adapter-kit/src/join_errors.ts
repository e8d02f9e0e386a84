import { GokaError } from '@goka-ts/api';

/** A broker answer to a group join that no retry can change: what it means and what to do. */
interface PermanentJoinError {
  /** The Kafka protocol's error code. */
  readonly code: number;
  readonly meaning: string;
  /** What to do about it; `undefined` where the adapter says it (its assignment protocol). */
  readonly remedy?: string;
}

/**
 * The join errors retrying cannot fix, by the protocol's error name. Clients retry them like any
 * other (librdkafka forever, kafkajs and platformatic until they give up), so a member would never
 * say why it cannot join.
 */
const PERMANENT: ReadonlyMap<string, PermanentJoinError> = new Map([
  ['INCONSISTENT_GROUP_PROTOCOL', { code: 23, meaning: 'the group\'s other members use a different assignment protocol' }],
  ['INVALID_SESSION_TIMEOUT', { code: 26, meaning: 'the broker refused the session timeout', remedy: 'set consumer.sessionTimeoutMs between the broker\'s group.min.session.timeout.ms and group.max.session.timeout.ms' }],
  ['TOPIC_AUTHORIZATION_FAILED', { code: 29, meaning: 'not authorized for the topics', remedy: 'grant this principal READ on the input topics' }],
  ['GROUP_AUTHORIZATION_FAILED', { code: 30, meaning: 'not authorized to join the group', remedy: 'grant this principal READ on the group' }],
  ['GROUP_MAX_SIZE_REACHED', { code: 81, meaning: 'the group has reached the broker\'s group.max.size', remedy: 'raise it or run fewer members' }],
]);

/** How an adapter reads a join error. */
export interface JoinErrorReader {
  /**
   * The protocol errors in `err`, outermost first: by name (`INCONSISTENT_GROUP_PROTOCOL`) or by
   * code (23), as the client reports them.
   */
  readonly errors: (err: unknown) => Iterable<string | number>;
  /**
   * Which assignment protocol this adapter's members speak and whom they can share a group with:
   * the remedy for INCONSISTENT_GROUP_PROTOCOL.
   */
  readonly protocol: string;
}

/** The error a group consumer fails with when `err` is a join error that retrying cannot fix. */
export function permanentJoinError(err: unknown, groupId: string, reader: JoinErrorReader): GokaError | undefined {
  for (const error of reader.errors(err)) {
    const found = [...PERMANENT].find(([name, e]) => name === error || e.code === error);
    if (!found) continue;
    const [name, { meaning, remedy }] = found;
    return new GokaError(`group consumer "${groupId}" cannot join the group: ${meaning} (${name}): ${remedy ?? reader.protocol}`, { cause: err });
  }
  return undefined;
}
