import { HttpError } from '../http';
import type { Message } from './model';

/**
 * Validation of the HTTP API's input. Everything is checked before anything is emitted, so bad
 * requests are answered with a 400 that says what is wrong and never reach Kafka.
 */

/** User names become Kafka keys and URL path segments: keep them short and unambiguous. */
const USER = /^[A-Za-z0-9._-]{1,64}$/;
/** A translatable word: letters, digits and apostrophes, as the translator splits text. */
const WORD = /^[\p{L}\p{N}']{1,64}$/u;
export const MAX_CONTENT_LENGTH = 1000;
export const MAX_TRANSLATION_LENGTH = 200;

export function parseUser(value: unknown, field = 'user'): string {
  if (typeof value !== 'string') throw new HttpError(400, `"${field}" must be a string, got ${describe(value)}`);
  if (!USER.test(value)) throw new HttpError(400, `"${field}" must be 1-64 letters, digits, ".", "_" or "-", got ${JSON.stringify(value)}`);
  return value;
}

/** Body of `POST /send`: `{ from, to, content }`. */
export function parseSend(body: unknown): Message {
  const fields = object(body, ['from', 'to', 'content']);
  const content = fields.content;
  if (typeof content !== 'string') throw new HttpError(400, `"content" must be a string, got ${describe(content)}`);
  if (content.trim() === '') throw new HttpError(400, '"content" must not be empty');
  if (content.length > MAX_CONTENT_LENGTH) throw new HttpError(400, `"content" must be at most ${MAX_CONTENT_LENGTH} characters, got ${content.length}`);
  return { from: parseUser(fields.from, 'from'), to: parseUser(fields.to, 'to'), content };
}

/** Body of `POST /block`: `{ user, unblock? }`. */
export function parseBlock(body: unknown): { user: string; unblock: boolean } {
  const fields = object(body, ['user'], ['unblock']);
  if (fields.unblock !== undefined && typeof fields.unblock !== 'boolean') {
    throw new HttpError(400, `"unblock" must be a boolean, got ${describe(fields.unblock)}`);
  }
  return { user: parseUser(fields.user), unblock: fields.unblock === true };
}

/** Body of `POST /translate`: `{ word, translation }`; an empty translation removes the word. */
export function parseTranslate(body: unknown): { word: string; translation: string } {
  const fields = object(body, ['word', 'translation']);
  if (typeof fields.word !== 'string') throw new HttpError(400, `"word" must be a string, got ${describe(fields.word)}`);
  if (!WORD.test(fields.word)) throw new HttpError(400, `"word" must be a single word of 1-64 letters, digits or apostrophes, got ${JSON.stringify(fields.word)}`);
  if (typeof fields.translation !== 'string') throw new HttpError(400, `"translation" must be a string, got ${describe(fields.translation)}`);
  if (fields.translation.length > MAX_TRANSLATION_LENGTH) {
    throw new HttpError(400, `"translation" must be at most ${MAX_TRANSLATION_LENGTH} characters, got ${fields.translation.length}`);
  }
  return { word: fields.word, translation: fields.translation };
}

/** Checks for a plain object with every required field and no unknown ones (typos should not pass silently). */
function object(body: unknown, required: readonly string[], optional: readonly string[] = []): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(400, `expected a JSON object with ${required.map((f) => `"${f}"`).join(', ')}, got ${describe(body)}`);
  }
  const fields = body as Record<string, unknown>;
  const missing = required.filter((field) => fields[field] === undefined);
  if (missing.length > 0) throw new HttpError(400, `missing field${missing.length > 1 ? 's' : ''} ${missing.map((f) => `"${f}"`).join(', ')}`);
  const unknown = Object.keys(fields).filter((field) => !required.includes(field) && !optional.includes(field));
  if (unknown.length > 0) throw new HttpError(400, `unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((f) => `"${f}"`).join(', ')}`);
  return fields;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : typeof value;
}
