import { GokaError, MessageError, RecordTooLargeError, type KafkaMessage, type ProducerRecord } from '@goka-ts/api';
import { deadLetterRecord, readDeadLetter } from '../src/errors/dead_letter';
import { DEAD_LETTER_TRUNCATION_HEADERS } from '../src/errors/dead_letter_headers';
import { DeadLetterLimits, fitDeadLetter, isRecordTooLarge, KAFKA_DEFAULT_MAX_MESSAGE_BYTES, wireBytes } from '../src/errors/dead_letter_fit';
import type { MessageFailure } from '../src/errors/error_policy';
import { recordBytes } from '../src/codecs/message_size';

/** The dead letter of an undecodable input record at in/2@77. */
function letter(parts: { key?: Buffer | null; value?: Buffer | null; headers?: Record<string, Buffer> } = {}): ProducerRecord {
  const failure: MessageFailure = {
    kind: 'decode',
    group: 'g',
    topic: 'in',
    partition: 2,
    offset: 77,
    timestamp: 1234,
    key: parts.key === undefined ? Buffer.from('the-key') : parts.key,
    value: parts.value === undefined ? Buffer.from('{oops') : parts.value,
    headers: parts.headers ?? { trace: Buffer.from('t-1') },
    error: new MessageError({ group: 'g', topic: 'in', partition: 2, offset: 77 }, 'cannot decode the message with codec "json": bad', { cause: new SyntaxError('bad') }),
    attempts: 0,
  };
  return deadLetterRecord(failure, 'dlq', 4);
}

const text = (record: ProducerRecord, name: string) => record.headers?.[name]?.toString('utf8');
const asMessage = (record: ProducerRecord): KafkaMessage => ({ ...record, headers: record.headers ?? {}, offset: 5, timestamp: 0 });
/** Bytes that differ from each neighbour, so a wrongly placed cut shows. */
function pattern(n: number): Buffer {
  const bytes = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) bytes[i] = i % 251;
  return bytes;
}

describe('fitDeadLetter', () => {
  it('leaves a dead letter that fits as it is, without truncation headers', () => {
    const record = letter();
    const fitted = fitDeadLetter(record, 1_000_000);
    expect(fitted).toEqual({ record, truncated: [] });
    expect(readDeadLetter(asMessage(record)).truncated).toBeUndefined();
  });

  it.each([1_000_000, 5_000_000])('cuts a %i-byte value to the first bytes that fit, keeping key, headers, coordinates and cause', (size) => {
    const value = pattern(size);
    const record = letter({ value });
    const fitted = fitDeadLetter(record, 1_000_000, "the topic's max.message.bytes 1048588");
    if (fitted instanceof Error) throw fitted;
    expect(fitted.truncated).toEqual(['value']);
    // Uses the room to the byte, and no more.
    expect(wireBytes(fitted.record)).toBe(1_000_000);
    expect(fitted.record.value!.length).toBeGreaterThan(990_000);
    expect(value.subarray(0, fitted.record.value!.length).equals(fitted.record.value!)).toBe(true);
    expect(fitted.record.key).toEqual(Buffer.from('the-key'));
    expect(fitted.record.partition).toBe(2);
    expect(text(fitted.record, DEAD_LETTER_TRUNCATION_HEADERS.truncated)).toBe('value');
    expect(text(fitted.record, DEAD_LETTER_TRUNCATION_HEADERS.originalSize)).toBe(String(recordBytes(record.key, record.value, record.headers)));
    expect(text(fitted.record, DEAD_LETTER_TRUNCATION_HEADERS.reason)).toBe(
      `the dead letter takes ${wireBytes(record)} bytes, over the 1000000 bytes that dead-letter topic "dlq" takes (the topic's max.message.bytes 1048588, framing included)`,
    );

    const read = readDeadLetter(asMessage(fitted.record));
    expect(read).toMatchObject({
      headers: { trace: Buffer.from('t-1') },
      source: { group: 'g', topic: 'in', partition: 2, offset: 77, timestamp: 1234 },
      error: { class: 'SyntaxError', message: 'cannot decode the message with codec "json": bad' },
      truncated: { parts: ['value'], originalSize: size + 'the-key'.length + recordBytes(null, null, { trace: Buffer.from('t-1') }) + dlqHeaderBytes(record) },
    });
    expect(read.truncated?.reason).toMatch(/^the dead letter takes \d+ bytes, over the 1000000 bytes/);
  });

  it('drops the original headers when they alone are too large, and keeps a value that fits whole', () => {
    const fitted = fitDeadLetter(letter({ headers: { huge: pattern(2_000_000), small: Buffer.from('s') } }), 1_000_000);
    if (fitted instanceof Error) throw fitted;
    expect(fitted.truncated).toEqual(['headers']);
    expect(fitted.record.value).toEqual(Buffer.from('{oops'));
    expect(Object.keys(readDeadLetter(asMessage(fitted.record)).headers)).toEqual([]);
    expect(text(fitted.record, DEAD_LETTER_TRUNCATION_HEADERS.truncated)).toBe('headers');
  });

  it('drops the headers and cuts the value when both are too large; a null value stays null', () => {
    const both = fitDeadLetter(letter({ value: pattern(3_000_000), headers: { huge: pattern(2_000_000) } }), 1_000_000);
    if (both instanceof Error) throw both;
    expect(both.truncated).toEqual(['value', 'headers']);
    expect(wireBytes(both.record)).toBe(1_000_000);
    const tombstone = fitDeadLetter(letter({ value: null, headers: { huge: pattern(2_000_000) } }), 1_000_000);
    if (tombstone instanceof Error) throw tombstone;
    expect(tombstone.truncated).toEqual(['headers']);
    expect(tombstone.record.value).toBeNull();
  });

  it('cuts the key last, leaving an empty value (not a tombstone)', () => {
    const key = pattern(3_000_000);
    const fitted = fitDeadLetter(letter({ key, value: pattern(10) }), 1_000_000);
    if (fitted instanceof Error) throw fitted;
    expect(fitted.truncated).toEqual(['value', 'headers', 'key']);
    expect(fitted.record.value).toEqual(Buffer.alloc(0));
    expect(key.subarray(0, fitted.record.key!.length).equals(fitted.record.key!)).toBe(true);
    expect(wireBytes(fitted.record)).toBe(1_000_000);
    expect(readDeadLetter(asMessage(fitted.record)).truncated?.parts).toEqual(['value', 'headers', 'key']);
  });

  it('gives up with a RecordTooLargeError when not even the goka.dlq headers fit', () => {
    const fitted = fitDeadLetter(letter({ value: pattern(5000) }), 600, 'maxMessageBytes 600');
    expect(fitted).toBeInstanceOf(RecordTooLargeError);
    expect((fitted as Error).message).toMatch(/for topic "dlq" is \d+ bytes, over the limit of 600 bytes; .*\(maxMessageBytes 600\)/);
  });

  it('reads a cut dead letter with a missing size or reason header as not written by goka-ts', () => {
    const fitted = fitDeadLetter(letter({ value: pattern(2_000_000) }), 1_000_000);
    if (fitted instanceof Error) throw fitted;
    const headers = { ...fitted.record.headers! };
    delete headers[DEAD_LETTER_TRUNCATION_HEADERS.originalSize];
    expect(() => readDeadLetter({ ...asMessage(fitted.record), headers })).toThrow(GokaError);
  });
});

describe('DeadLetterLimits', () => {
  it("takes the smaller of maxMessageBytes and the topic's max.message.bytes, and Kafka's default when the topic's is unknown", () => {
    const limits = new DeadLetterLimits(1_000_000);
    limits.setTopic('small', 500_000);
    limits.setTopic('large', 6_000_000);
    limits.setTopic('unknown', undefined);
    expect([limits.limit('small'), limits.limit('large'), limits.limit('unknown'), limits.limit('never-set')]).toEqual([500_000, 1_000_000, 1_000_000, 1_000_000]);
    const unchecked = new DeadLetterLimits(Number.POSITIVE_INFINITY);
    unchecked.setTopic('large', 6_000_000);
    expect([unchecked.limit('large'), unchecked.limit('never-set')]).toEqual([6_000_000, KAFKA_DEFAULT_MAX_MESSAGE_BYTES]);
  });

  it('lowers a limit below a rejected dead letter, keeps it across restarts, and starts over when the topic setting changes', () => {
    const limits = new DeadLetterLimits(1_000_000);
    limits.setTopic('dlq', 1_048_588);
    const first = limits.fit(letter({ value: pattern(5_000_000) }));
    if (first instanceof Error) throw first;
    expect(limits.rejected(first)).toBe(true);
    expect(limits.limit('dlq')).toBe(750_000);
    const second = limits.fit(letter({ value: pattern(5_000_000) }));
    if (second instanceof Error) throw second;
    expect(wireBytes(second.record)).toBe(750_000);
    expect(text(second.record, DEAD_LETTER_TRUNCATION_HEADERS.reason)).toMatch(/\(lowered to 750000 after the client or broker rejected a dead letter of 1000000 bytes as too large, framing included\)$/);

    limits.setTopic('dlq', 1_048_588); // the next run reads the same setting
    expect(limits.limit('dlq')).toBe(750_000);
    limits.setTopic('dlq', 2_000_000);
    expect(limits.limit('dlq')).toBe(1_000_000);
  });

  it('has nothing smaller to offer for a dead letter without key, value and original headers', () => {
    const limits = new DeadLetterLimits(1_000_000);
    const bare = limits.fit(letter({ key: null, value: Buffer.alloc(0), headers: {} }));
    if (bare instanceof Error) throw bare;
    expect(limits.rejected(bare)).toBe(false);
    expect(limits.limit('dlq')).toBe(1_000_000);
  });
});

describe('isRecordTooLarge', () => {
  it('finds a RecordTooLargeError, also as a cause', () => {
    const tooLarge = new RecordTooLargeError('dlq', 'k', 2, 1);
    expect(isRecordTooLarge(tooLarge)).toBe(true);
    expect(isRecordTooLarge(new GokaError('send failed', { cause: tooLarge }))).toBe(true);
    expect(isRecordTooLarge(new GokaError('Message size too large'))).toBe(false);
    expect(isRecordTooLarge('too large')).toBe(false);
  });
});

/** Bytes of the goka.dlq.* headers of a whole dead letter. */
function dlqHeaderBytes(record: ProducerRecord): number {
  const own = Object.fromEntries(Object.entries(record.headers ?? {}).filter(([name]) => name.startsWith('goka.dlq.')));
  return recordBytes(null, null, own);
}
