/** Headers a dead-letter record carries besides the original ones (values are UTF-8 text). */
export const DEAD_LETTER_HEADERS = {
  /** Topic, partition, offset and timestamp (ms) of the original record. */
  topic: 'goka.dlq.topic',
  partition: 'goka.dlq.partition',
  offset: 'goka.dlq.offset',
  timestamp: 'goka.dlq.timestamp',
  /** The consumer group that failed on it. */
  group: 'goka.dlq.group',
  /** Class name of what the codec or callback threw (or passed to `ctx.fail`), e.g. `SyntaxError`. */
  errorClass: 'goka.dlq.error.class',
  /** What went wrong, e.g. `cannot decode the message with codec "json": ...`. */
  errorMessage: 'goka.dlq.error.message',
} as const;

/**
 * Headers only a dead letter cut to fit its topic carries, besides {@link DEAD_LETTER_HEADERS}
 * (values are UTF-8 text).
 */
export const DEAD_LETTER_TRUNCATION_HEADERS = {
  /**
   * What was given up, comma-separated, of `value` (truncated to its first bytes), `headers` (the
   * original ones dropped) and `key` (truncated).
   */
  truncated: 'goka.dlq.truncated',
  /** Bytes of the original record's key, value and headers. */
  originalSize: 'goka.dlq.original.size',
  /** Why, e.g. `the dead letter takes 5001042 bytes, over the 1000000 bytes that dead-letter topic "x" takes (...)`. */
  reason: 'goka.dlq.truncated.reason',
} as const;
