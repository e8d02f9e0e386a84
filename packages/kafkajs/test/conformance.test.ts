import { describeClient } from '@goka-ts/conformance';
import { kafkajsClient } from '../src';

// kafkajs has no zstd codec and the adapter registers none (see the README's Compression).
describeClient('kafkajs', (brokers) => kafkajsClient({ brokers }), { unreadableCodecs: ['zstd'] });
