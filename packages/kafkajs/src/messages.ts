import type { Headers, KafkaMessage } from '@goka-ts/api';

const EMPTY = Buffer.alloc(0);

/** A record as kafkajs hands it out (consumer batches and raw fetch responses alike). */
export interface KafkajsRecord {
  readonly offset: string;
  readonly timestamp: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers?: Record<string, Buffer | string | null | undefined | Array<Buffer | string | null>>;
  readonly isControlRecord?: boolean;
}

function toBuffer(value: Buffer | string | null | undefined): Buffer {
  if (value === null || value === undefined) return EMPTY;
  return typeof value === 'string' ? Buffer.from(value) : value;
}

/**
 * kafkajs decodes headers into a fresh object per record, with arrays for repeated names. goka-ts
 * keeps the last value of a repeated header, so the object is normalised in place (no copy); a
 * header without value becomes an empty buffer.
 */
function normaliseHeaders(headers: KafkajsRecord['headers']): Headers {
  if (!headers) return {};
  for (const name in headers) {
    const value = headers[name];
    if (Buffer.isBuffer(value)) continue;
    (headers as Record<string, unknown>)[name] = Array.isArray(value) ? toBuffer(value[value.length - 1]) : toBuffer(value);
  }
  return headers as Headers;
}

/**
 * Converts kafkajs records of one topic-partition into goka-ts messages: one object per record,
 * offsets and timestamps parsed once. Records below `fromOffset` (a fetch can return the start of
 * a compressed batch) and control records are dropped.
 */
export function toMessages(topic: string, partition: number, records: readonly KafkajsRecord[], fromOffset: number): KafkaMessage[] {
  const out: KafkaMessage[] = [];
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    if (r.isControlRecord) continue;
    const offset = Number(r.offset);
    if (offset < fromOffset) continue;
    out.push({
      topic,
      partition,
      offset,
      key: r.key,
      value: r.value,
      headers: normaliseHeaders(r.headers),
      timestamp: Number(r.timestamp),
    });
  }
  return out;
}
