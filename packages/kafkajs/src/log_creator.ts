import type { Logger } from '@goka-ts/api';
import { logLevel, type logCreator } from 'kafkajs';

/**
 * Routes kafkajs' log lines to a goka-ts {@link Logger}. kafkajs filters by its own `logLevel`
 * before calling us, so this only maps levels and keeps kafkajs' structured fields.
 */
export function kafkajsLogCreator(logger: Logger | undefined): logCreator {
  return () => ({ namespace, level, log }) => {
    if (!logger) return;
    const { message, timestamp: _timestamp, logger: _name, ...fields } = log as { message: string; timestamp?: string; logger?: string; [k: string]: unknown };
    const text = `kafkajs ${namespace}: ${message}`;
    if (level <= logLevel.ERROR) logger.error(text, fields);
    else if (level === logLevel.WARN) logger.warn(text, fields);
    else if (level === logLevel.INFO) logger.info(text, fields);
    else logger.debug(text, fields);
  };
}
