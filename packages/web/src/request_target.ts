import { HttpError } from './http_error';

/**
 * Printable ASCII except `#` (a fragment is never sent) and `\` (which the WHATWG URL parser turns
 * into `/`, changing the path); `%` is checked separately for its two hex digits. Node's parser
 * refuses spaces and control characters before a request gets here.
 */
const TARGET_CHARS = /^[\x21-\x22\x24-\x5b\x5d-\x7e]*$/;
const BAD_PERCENT = /%(?![0-9A-Fa-f]{2})/;

/**
 * Parses the request target of a request to one of our servers (`req.url`) into a URL whose
 * `pathname` and `searchParams` describe that target, or throws an {@link HttpError} 400 that says
 * what is wrong with it.
 *
 * Only the origin form (`/path?query`, RFC 9112 section 3.2.1) is accepted: absolute, authority and
 * asterisk forms, fragments, backslashes, non-ASCII and malformed percent-encodings are refused.
 * A target that starts with `//` is a path whose first segment is empty, never a host: `new URL(target,
 * base)` would take `//api/components` as host `api` and `//%` as an invalid URL, so this parser never
 * resolves the target against a base. The URL's origin is a placeholder, not the request's `Host`.
 */
export function parseRequestTarget(target: string | undefined): URL {
  if (target === undefined || target === '') throw new HttpError(400, 'the request has no target');
  if (!target.startsWith('/')) throw new HttpError(400, `request target ${describe(target)} is not a path (only /path?query is served)`);
  if (!TARGET_CHARS.test(target)) throw new HttpError(400, `request target ${describe(target)} has characters that must be percent-encoded`);
  if (BAD_PERCENT.test(target)) throw new HttpError(400, `request target ${describe(target)} has a % not followed by two hex digits`);
  let url: URL;
  try {
    // Appended to an origin, the target can only be path and query: the authority is already set.
    url = new URL(`http://request.target${target}`);
  } catch {
    throw new HttpError(400, `request target ${describe(target)} is not a valid path`);
  }
  if (url.host !== 'request.target') throw new HttpError(400, `request target ${describe(target)} is not a valid path`);
  return url;
}

/** The target for an error message: quoted, and cut so a 16 KiB target does not make a 16 KiB answer. */
function describe(target: string): string {
  return JSON.stringify(target.length > 200 ? `${target.slice(0, 200)}...` : target);
}
