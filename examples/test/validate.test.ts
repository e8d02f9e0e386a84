import { HttpError } from '../src/http';
import { MAX_CONTENT_LENGTH, parseBlock, parseSend, parseTranslate } from '../src/messaging/validate';

function rejects(fn: () => unknown, message: RegExp): void {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(HttpError);
  expect((error as HttpError).status).toBe(400);
  expect((error as HttpError).message).toMatch(message);
}

describe('parseSend', () => {
  it('accepts a complete message', () => {
    expect(parseSend({ from: 'alice', to: 'bob', content: 'hi' })).toEqual({ from: 'alice', to: 'bob', content: 'hi' });
  });
  it.each([
    [null, /expected a JSON object/],
    [[1, 2], /expected a JSON object .* got an array/],
    ['text', /got string/],
    [{ from: 'alice', to: 'bob' }, /missing field "content"/],
    [{ content: 'x' }, /missing fields "from", "to"/],
    [{ from: 'alice', to: 'bob', content: 'x', extra: 1 }, /unknown field "extra"/],
    [{ from: 42, to: 'bob', content: 'x' }, /"from" must be a string, got number/],
    [{ from: 'alice', to: 'b o b', content: 'x' }, /"to" must be 1-64 letters/],
    [{ from: 'alice', to: 'bob', content: '   ' }, /"content" must not be empty/],
    [{ from: 'alice', to: 'bob', content: ['x'] }, /"content" must be a string, got an array/],
    [{ from: 'alice', to: 'bob', content: 'x'.repeat(MAX_CONTENT_LENGTH + 1) }, /at most 1000 characters/],
  ])('rejects %j', (body, message) => rejects(() => parseSend(body), message));
});

describe('parseBlock', () => {
  it('accepts a user and an optional unblock flag', () => {
    expect(parseBlock({ user: 'spammer' })).toEqual({ user: 'spammer', unblock: false });
    expect(parseBlock({ user: 'spammer', unblock: true })).toEqual({ user: 'spammer', unblock: true });
  });
  it('rejects a non-boolean unblock and a missing user', () => {
    rejects(() => parseBlock({ user: 'x', unblock: 'yes' }), /"unblock" must be a boolean, got string/);
    rejects(() => parseBlock({}), /missing field "user"/);
  });
});

describe('parseTranslate', () => {
  it('accepts a word and its translation, also an empty one (removal)', () => {
    expect(parseTranslate({ word: 'hello', translation: 'hallo' })).toEqual({ word: 'hello', translation: 'hallo' });
    expect(parseTranslate({ word: 'hello', translation: '' })).toEqual({ word: 'hello', translation: '' });
  });
  it('rejects phrases and non-strings', () => {
    rejects(() => parseTranslate({ word: 'two words', translation: 'x' }), /single word/);
    rejects(() => parseTranslate({ word: 'hi', translation: 5 }), /"translation" must be a string, got number/);
  });
});
