import { describeStorage } from '@goka-ts/conformance';
import { memoryStorage } from '../src';

describeStorage('memory', { build: memoryStorage() }, { persistent: false });
