import { describeStorage } from '@goka-ts/conformance';
import { redisStorage } from '../src';
import { deleteKeys, redisUrl, testPrefix } from './redis_env';

const url = redisUrl();
const prefix = testPrefix('conformance');

describeStorage('redis', {
  build: redisStorage({ url, prefix, iteratorPageSize: 100 }),
  teardown: () => deleteKeys(url, prefix),
}, { persistent: true, snapshotIterators: false });
