import { describeClient } from '@goka-ts/conformance';
import { confluentClient } from '../src';

describeClient('confluent', (brokers) => confluentClient({ brokers: [...brokers], clientId: 'confluent-conformance' }));
