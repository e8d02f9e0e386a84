import { GokaError } from '@goka-ts/api';

/**
 * Broker answers to a group join that no retry can change, by kafkajs' error type. kafkajs names
 * the broker's code; these say what to do about it.
 */
const PERMANENT: ReadonlyMap<string, string> = new Map([
  ['INCONSISTENT_GROUP_PROTOCOL', 'the group\'s other members use a different assignment protocol: goka-ts on kafkajs assigns with Go Goka\'s "copartition" protocol and shares a group with Go Goka and other kafkajs goka-ts members, not with librdkafka members (the confluent adapter\'s "range") or plain consumers; run every member with a compatible client, or use a new group'],
  ['INVALID_SESSION_TIMEOUT', 'the broker refused the session timeout: set consumer.sessionTimeoutMs between the broker\'s group.min.session.timeout.ms and group.max.session.timeout.ms'],
  ['GROUP_AUTHORIZATION_FAILED', 'not authorized to join the group: grant this principal READ on the group'],
  ['TOPIC_AUTHORIZATION_FAILED', 'not authorized for the topics: grant this principal READ on the input topics'],
]);

/** The error a group consumer fails with when `err` is a join error that retrying cannot fix. */
export function permanentJoinError(err: unknown, groupId: string): GokaError | undefined {
  for (let e: unknown = err; e instanceof Error; e = (e as { cause?: unknown }).cause) {
    const reason = PERMANENT.get(String((e as { type?: unknown }).type));
    if (reason !== undefined) return new GokaError(`group consumer "${groupId}" cannot join the group: ${reason}`, { cause: err });
  }
  return undefined;
}
