import type { Logger } from '@goka-ts/api';
import type { KafkaConsumer, LibrdKafkaError, RdProducer } from './rdkafka';
import type { StatisticsHub } from './statistics';

/** librdkafka log severities are syslog levels: 0..3 error, 4 warning, 5..7 notice/info/debug. */
const SYSLOG_WARNING = 4;

interface RdLogEvent {
  readonly severity: number;
  readonly fac: string;
  readonly message: string;
  readonly name?: string;
}

/**
 * Wires a librdkafka client's side channels: logs at warning and above go to the goka logger,
 * statistics to the hub, and errors to the component (which decides what is fatal).
 */
export function instrument(
  client: KafkaConsumer | RdProducer,
  component: string,
  env: { readonly logger?: Logger; readonly statistics: StatisticsHub },
  onError: (err: LibrdKafkaError) => void,
): void {
  const { logger, statistics } = env;
  // Both client kinds share these events; the library's per-kind event typings do not unite.
  const events = client as unknown as import('node:events').EventEmitter;
  if (logger) {
    events.on('event.log', (event: RdLogEvent) => {
      if (event.severity > SYSLOG_WARNING) return;
      const fields = { component, client: event.name, facility: event.fac };
      if (event.severity === SYSLOG_WARNING) logger.warn(event.message, fields);
      else logger.error(event.message, fields);
    });
  }
  events.on('event.stats', (event: { message: string }) => statistics.publish(event.message));
  events.on('event.error', onError);
}
