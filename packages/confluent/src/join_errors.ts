import { GokaError } from '@goka-ts/api';
import { codeOf } from './errors';

/**
 * Broker answers to a group join that no retry can change. librdkafka reports them as ordinary
 * (retried) errors, so a member would try to join forever while its `run()` never settles.
 */
const PERMANENT: ReadonlyMap<number, string> = new Map([
  [23, 'the group\'s other members use a different assignment protocol (INCONSISTENT_GROUP_PROTOCOL): goka-ts on librdkafka assigns with "range" and cannot share a group with members of another protocol (e.g. Go Goka\'s "copartition" or kafkajs members); run every member of the group on the same goka-ts adapter, or use a new group'],
  [26, 'the broker refused the session timeout (INVALID_SESSION_TIMEOUT): set consumer.sessionTimeoutMs between the broker\'s group.min.session.timeout.ms and group.max.session.timeout.ms'],
  [30, 'not authorized to join the group (GROUP_AUTHORIZATION_FAILED): grant this principal READ on the group'],
  [29, 'not authorized for the topics (TOPIC_AUTHORIZATION_FAILED): grant this principal READ on the input topics'],
]);

/** The error a group consumer fails with when `err` is a join error that retrying cannot fix. */
export function permanentJoinError(err: unknown, groupId: string): GokaError | undefined {
  const code = codeOf(err);
  const reason = code === undefined ? undefined : PERMANENT.get(code);
  if (reason === undefined) return undefined;
  return new GokaError(`group consumer "${groupId}" cannot join the group: ${reason}`, { cause: err });
}
