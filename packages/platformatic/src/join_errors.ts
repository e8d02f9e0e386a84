import { GokaError } from '@goka-ts/api';
import { protocolErrors } from './errors';

/** Broker answers to a group join that no retry can change, and what to do about them. */
const PERMANENT: ReadonlyMap<string, string> = new Map([
  ['INCONSISTENT_GROUP_PROTOCOL', 'the group\'s other members use a different assignment protocol: goka-ts on @platformatic/kafka assigns with Go Goka\'s "copartition" protocol and shares a group with Go Goka and kafkajs goka-ts members, not with librdkafka members (the confluent adapter\'s "range") or plain consumers; run every member with a compatible client, or use a new group'],
  ['INVALID_SESSION_TIMEOUT', 'the broker refused the session timeout: set consumer.sessionTimeoutMs between the broker\'s group.min.session.timeout.ms and group.max.session.timeout.ms'],
  ['GROUP_AUTHORIZATION_FAILED', 'not authorized to join the group: grant this principal READ on the group'],
  ['TOPIC_AUTHORIZATION_FAILED', 'not authorized for the topics: grant this principal READ on the input topics'],
  ['GROUP_MAX_SIZE_REACHED', 'the group has reached the broker\'s group.max.size: raise it or run fewer members'],
]);

/** The error a group consumer fails with when `err` is a join error that retrying cannot fix. */
export function permanentJoinError(err: unknown, groupId: string): GokaError | undefined {
  for (const name of protocolErrors(err)) {
    const reason = PERMANENT.get(name);
    if (reason !== undefined) return new GokaError(`group consumer "${groupId}" cannot join the group: ${reason}`, { cause: err });
  }
  return undefined;
}
