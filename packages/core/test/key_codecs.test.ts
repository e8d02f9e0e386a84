import { MessageError } from '@goka-ts/api';
import { binaryKeys, printableKey, utf8Keys } from '../src/codecs/key_codecs';
import { fnv1a32, fnv1aHasher } from '../src/hashers/fnv1a';
import { murmur2, murmur2Hasher } from '../src/hashers/murmur2';
import { int64Codec } from '../src/codecs/codecs';
import { View } from '../src/view';
import { FaultyKafka } from './support/faulty_kafka';
import { recordingLogger } from './support/recording_logger';

const FF_FE = Buffer.from([0xff, 0xfe]);
const FF_FD = Buffer.from([0xff, 0xfd]);

describe('utf8Keys', () => {
  it('decodes UTF-8 keys, including a genuine U+FFFD', () => {
    expect(utf8Keys.decode(Buffer.from('user-1'))).toBe('user-1');
    expect(utf8Keys.decode(Buffer.from('grüße \uFFFD 😀'))).toBe('grüße \uFFFD 😀');
    expect(utf8Keys.decode(Buffer.alloc(0))).toBe('');
  });

  it('refuses bytes that are not UTF-8 instead of merging them into U+FFFD', () => {
    expect(() => utf8Keys.decode(FF_FE)).toThrow(/^key is not valid UTF-8 \(bytes fffe\).*binaryKeys/);
    expect(() => utf8Keys.decode(FF_FD)).toThrow(/bytes fffd/);
    // Invalid bytes next to a real U+FFFD, and overlong / truncated sequences.
    expect(() => utf8Keys.decode(Buffer.concat([Buffer.from('\uFFFD'), FF_FE]))).toThrow(/not valid UTF-8/);
    expect(() => utf8Keys.decode(Buffer.from([0xc0, 0xaf]))).toThrow(/not valid UTF-8/);
    expect(() => utf8Keys.decode(Buffer.from([0x61, 0xe2, 0x82]))).toThrow(/not valid UTF-8/);
    expect(() => utf8Keys.decode(Buffer.alloc(100, 0xff))).toThrow(/\(100 bytes\)/);
  });

  it('refuses strings that UTF-8 cannot hold', () => {
    expect(utf8Keys.encode('grüße 😀')).toEqual(Buffer.from('grüße 😀', 'utf8'));
    expect(() => utf8Keys.encode('a\uD800')).toThrow(/lone surrogate/);
    expect(() => utf8Keys.encode('\uDFFFb')).toThrow(/lone surrogate/);
    expect(() => utf8Keys.encode(42 as unknown as string)).toThrow(TypeError);
  });
});

describe('binaryKeys', () => {
  it('round-trips every byte, one char per byte, in byte order', () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const key = binaryKeys.decode(all);
    expect(key).toHaveLength(256);
    expect(binaryKeys.encode(key)).toEqual(all);
    expect(binaryKeys.decode(FF_FE)).not.toBe(binaryKeys.decode(FF_FD));
    expect(binaryKeys.decode(Buffer.from('user-1'))).toBe('user-1');
    const keys = [FF_FE, FF_FD, Buffer.from([0x00]), Buffer.from([0x7f, 0x01]), Buffer.from([0x80])];
    const byString = keys.map((k) => binaryKeys.decode(k)).sort();
    expect(byString.map((k) => binaryKeys.encode(k))).toEqual([...keys].sort(Buffer.compare));
  });

  it('refuses chars above \\u00ff instead of truncating them', () => {
    expect(() => binaryKeys.encode('\u0100')).toThrow(/char above/);
    expect(() => binaryKeys.encode('€')).toThrow(/char above/);
  });
});

describe('hashers hash the key bytes', () => {
  it('partition a binary key by its bytes, as the Java client and Go Goka do', () => {
    for (const bytes of [FF_FE, FF_FD, Buffer.from([0x80, 0x00, 0xc3])]) {
      const key = binaryKeys.encode(binaryKeys.decode(bytes));
      expect(murmur2Hasher.partition(key, 7)).toBe((murmur2(bytes) & 0x7fffffff) % 7);
      expect(fnv1aHasher.partition(key, 7)).toBe(Math.abs(fnv1a32(bytes) | 0) % 7);
    }
  });
});

test('printableKey shows text keys as text and others as hex', () => {
  expect(printableKey(Buffer.from('user-1'))).toBe('user-1');
  expect(printableKey(FF_FE)).toBe('0xfffe');
  expect(printableKey(null)).toBe('');
});

describe('a view of a table whose keys are not UTF-8', () => {
  function table(): FaultyKafka {
    const kafka = new FaultyKafka();
    kafka.createTopic('t', 1, { 'cleanup.policy': 'compact' });
    kafka.memory.broker.append('t', 0, [
      { key: FF_FE, value: Buffer.from('1'), headers: {}, timestamp: 1 },
      { key: FF_FD, value: Buffer.from('2'), headers: {}, timestamp: 2 },
      { key: FF_FE, value: Buffer.from('3'), headers: {}, timestamp: 3 },
    ]);
    kafka.append('t', 0, 'plain', '4');
    return kafka;
  }

  it('with binaryKeys keeps each key apart', async () => {
    const view = new View('t', int64Codec, { client: table(), keys: binaryKeys });
    const running = view.run();
    await view.waitRunning();
    expect(await view.get(FF_FE.toString('latin1'))).toBe(3);
    expect(await view.get(FF_FD.toString('latin1'))).toBe(2);
    expect(await view.get('plain')).toBe(4);
    await view.stop();
    await running;
  });

  it('with utf8Keys fails run() naming topic, partition and offset', async () => {
    const view = new View('t', int64Codec, { client: table() });
    await expect(view.run()).rejects.toThrow(MessageError);
    await expect(new View('t', int64Codec, { client: table() }).run()).rejects.toThrow(
      /^topic "t", partition 0, offset 0: cannot decode the key with key codec "utf8": key is not valid UTF-8 \(bytes fffe\)/,
    );
  });

  it("with utf8Keys and onError 'skip' logs and counts them, keeping the others", async () => {
    const logger = recordingLogger();
    const view = new View('t', int64Codec, { client: table(), onError: 'skip', logger });
    const running = view.run();
    await view.waitRunning();
    expect(view.skippedRecords).toBe(3);
    expect(await view.get('plain')).toBe(4);
    expect(await view.get('\uFFFD\uFFFD')).toBeUndefined();
    expect(logger.lines.filter((l) => l.level === 'warn').map((l) => l.fields?.offset)).toEqual([0, 1, 2]);
    await view.stop();
    await running;
  });
});
