import { GokaError, TopicMismatchError } from '@goka-ts/api';
import { assignablePartitionCount, checkSameSubscriptions, commonPartitionCount } from '../src';

describe('commonPartitionCount', () => {
  it('returns the count shared by all topics', () => {
    expect(commonPartitionCount('g', new Map([['a', 4], ['b', 4]]))).toBe(4);
  });

  it('names the topics whose counts differ', () => {
    const attempt = () => commonPartitionCount('g', new Map([['a', 4], ['b', 6]]));
    expect(attempt).toThrow(TopicMismatchError);
    expect(attempt).toThrow(/"b".*6 partitions.*"a".*4/);
  });

  it('refuses a group without topics', () => {
    expect(() => commonPartitionCount('g', new Map())).toThrow(/group "g": no topics/);
  });
});

describe('assignablePartitionCount', () => {
  it('names a topic the leader has no metadata for before comparing counts', () => {
    expect(assignablePartitionCount('g', new Map([['a', 3], ['b', 3]]))).toBe(3);
    expect(() => assignablePartitionCount('g', new Map([['a', 3], ['b', 0]]))).toThrow(/group "g": no metadata for topic "b"/);
  });
});

describe('checkSameSubscriptions', () => {
  it('accepts members subscribing the leader topics in any order', () => {
    expect(() => checkSameSubscriptions('g', ['a', 'b'], [{ memberId: 'm1', topics: ['b', 'a'] }, { memberId: 'm2', topics: ['a', 'b'] }])).not.toThrow();
  });

  it('names the member that subscribes other topics', () => {
    const attempt = () => checkSameSubscriptions('g', ['a'], [{ memberId: 'm1', topics: ['a'] }, { memberId: 'm2', topics: ['c'] }]);
    expect(attempt).toThrow(GokaError);
    expect(attempt).toThrow('group "g": member m2 subscribes [c], the leader [a]; all members of a group must consume the same topics');
    expect(() => checkSameSubscriptions('g', ['a'], [{ memberId: 'm3', topics: undefined }])).toThrow(/member m3 subscribes \[\]/);
  });
});
