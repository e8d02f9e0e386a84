/**
 * Kafka record headers as goka-ts sees them: header name to raw bytes.
 * A header that appears more than once on the wire keeps its last value.
 */
export type Headers = Record<string, Buffer>;
