import { describeClient } from '@goka-ts/conformance';
import { kafkajsClient } from '../src';

describeClient('kafkajs', (brokers) => kafkajsClient({ brokers }));
