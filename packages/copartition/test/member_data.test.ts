import { COPARTITION_PROTOCOL, COPARTITION_VERSION, decodeMemberData, encodeMemberData } from '../src';

describe('member user data', () => {
  it('is the JSON {"v":1,"partitions":[...]} every adapter reads and writes', () => {
    expect(COPARTITION_PROTOCOL).toBe('copartition');
    expect(COPARTITION_VERSION).toBe(1);
    expect(encodeMemberData([3, 1]).toString()).toBe('{"v":1,"partitions":[3,1]}');
    expect(decodeMemberData(encodeMemberData([3, 1]))).toEqual([3, 1]);
    expect(decodeMemberData('{"v":1,"partitions":[2]}')).toEqual([2]);
  });

  it("gives no partitions for missing, foreign or malformed data, and drops entries that are not integers", () => {
    expect(decodeMemberData(null)).toEqual([]);
    expect(decodeMemberData(undefined)).toEqual([]);
    expect(decodeMemberData(Buffer.alloc(0))).toEqual([]);
    expect(decodeMemberData(Buffer.from([0, 1, 2]))).toEqual([]); // another client's binary user data
    expect(decodeMemberData('null')).toEqual([]);
    expect(decodeMemberData('{"partitions":"0,1"}')).toEqual([]);
    expect(decodeMemberData('{"v":1,"partitions":[0,"1",1.5,null,2]}')).toEqual([0, 2]);
  });
});
