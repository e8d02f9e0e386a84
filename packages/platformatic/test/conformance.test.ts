import { describeClient } from '@goka-ts/conformance';
import { platformaticClient } from '../src';

describeClient('platformatic', (brokers) => platformaticClient({ brokers }));
