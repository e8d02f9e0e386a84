import { describeStorage } from '@goka-ts/conformance';
import { memoryStorage } from '@goka-ts/storage-memory';

describeStorage('memory', { build: memoryStorage() }, { persistent: false });
