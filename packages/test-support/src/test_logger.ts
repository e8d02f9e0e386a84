import type { Logger } from '@goka-ts/api';
import { consoleLogger, silentLogger } from '@goka-ts/core';

/** Log output of components under test: silent unless `GOKA_LOG_LEVEL` is set. */
export const testLogger: Logger = process.env.GOKA_LOG_LEVEL ? consoleLogger() : silentLogger;
