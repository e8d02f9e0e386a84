import { describeClient } from '@goka-ts/conformance';
import { MemoryKafka } from '../src';

// Every call builds a fresh in-memory cluster; without a network there is no unreachable broker to test.
describeClient('memory', () => new MemoryKafka(), { network: false });
