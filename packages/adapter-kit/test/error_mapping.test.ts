import { GokaError, KafkaConnectionError, UnknownTopicError } from '@goka-ts/api';
import { asError, mapClientError, type ClientErrorReader } from '../src';

const reader: ClientErrorReader = {
  isUnknownTopic: (err) => (err as { code?: string }).code === 'UNKNOWN',
  isConnectionError: (err) => (err as { code?: string }).code === 'REFUSED',
  rootMessage: (err) => (err instanceof Error ? ((err.cause as Error | undefined) ?? err).message : String(err)),
  detail: (_err, message, root) => (root !== message ? ` (${root})` : ''),
};
const coded = (code: string, message = code, cause?: Error) => Object.assign(new Error(message, { cause }), { code });
const ctx = { operation: 'test producer: send', brokers: ['b1:9092', 'b2:9092'] };

describe('mapClientError', () => {
  it('lets goka-ts errors through', () => {
    const err = new GokaError('already mapped');
    expect(mapClientError(err, ctx, reader)).toBe(err);
  });

  it('names a missing topic only when the operation concerns one', () => {
    const err = coded('UNKNOWN');
    const mapped = mapClientError(err, { ...ctx, topic: 't' }, reader);
    expect(mapped).toBeInstanceOf(UnknownTopicError);
    expect((mapped as UnknownTopicError).cause).toBe(err);
    expect(mapClientError(err, ctx, reader)).not.toBeInstanceOf(UnknownTopicError);
  });

  it('says which brokers could not be reached, with the root cause', () => {
    const mapped = mapClientError(coded('REFUSED', 'outer', new Error('connect ECONNREFUSED')), ctx, reader);
    expect(mapped).toBeInstanceOf(KafkaConnectionError);
    expect(mapped.message).toBe('test producer: send: cannot reach Kafka brokers b1:9092,b2:9092: connect ECONNREFUSED');
  });

  it('names the operation and adds the client\'s detail otherwise', () => {
    const mapped = mapClientError(new Error('outer', { cause: new Error('inner') }), ctx, reader);
    expect(mapped).toBeInstanceOf(GokaError);
    expect(mapped.message).toBe('test producer: send failed: outer (inner)');
    expect(mapClientError('text', ctx, reader).message).toBe('test producer: send failed: text');
  });
});

describe('asError', () => {
  it('keeps errors and wraps anything else', () => {
    const err = new RangeError('r');
    expect(asError(err)).toBe(err);
    expect(asError(42)).toEqual(new GokaError('42'));
  });
});
