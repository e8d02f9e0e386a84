import { GokaError } from '@goka-ts/api';
import { permanentJoinError } from '../src';

const protocol = 'members here speak "copartition"';

describe('permanentJoinError', () => {
  it('names the broker answer, what it means and what to do, by name or by code', () => {
    const byName = permanentJoinError(new Error('x'), 'g', { errors: () => ['REBALANCE_IN_PROGRESS', 'INCONSISTENT_GROUP_PROTOCOL'], protocol });
    expect(byName).toBeInstanceOf(GokaError);
    expect(byName!.message).toBe('group consumer "g" cannot join the group: the group\'s other members use a different assignment protocol (INCONSISTENT_GROUP_PROTOCOL): members here speak "copartition"');
    const byCode = permanentJoinError(new Error('x'), 'g', { errors: () => [30], protocol });
    expect(byCode!.message).toBe('group consumer "g" cannot join the group: not authorized to join the group (GROUP_AUTHORIZATION_FAILED): grant this principal READ on the group');
    expect(permanentJoinError(new Error('x'), 'g', { errors: () => ['GROUP_MAX_SIZE_REACHED'], protocol })!.message).toMatch(/group\.max\.size \(GROUP_MAX_SIZE_REACHED\): raise it/);
    expect(permanentJoinError(new Error('x'), 'g', { errors: () => [26], protocol })!.message).toMatch(/sessionTimeoutMs/);
    expect(permanentJoinError(new Error('x'), 'g', { errors: () => ['TOPIC_AUTHORIZATION_FAILED'], protocol })!.message).toMatch(/READ on the input topics/);
  });

  it('keeps the client error as the cause', () => {
    const cause = new Error('x');
    expect(permanentJoinError(cause, 'g', { errors: () => [23], protocol })!.cause).toBe(cause);
  });

  it('leaves errors a retry can fix alone', () => {
    expect(permanentJoinError(new Error('x'), 'g', { errors: () => ['REBALANCE_IN_PROGRESS', 27], protocol })).toBeUndefined();
    expect(permanentJoinError(new Error('x'), 'g', { errors: () => [], protocol })).toBeUndefined();
  });
});
