export { planCopartitioned } from './plan';
export type { CopartitionMember } from './plan';
export { COPARTITION_PROTOCOL, COPARTITION_VERSION, decodeMemberData, encodeMemberData } from './member_data';
export { assignablePartitionCount, checkSameSubscriptions, commonPartitionCount } from './partition_count';
export type { SubscribedMember } from './partition_count';
