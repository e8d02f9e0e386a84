import { createHash, timingSafeEqual } from 'node:crypto';
import type http from 'node:http';
import { HttpError } from './http_error';

/** Shortest token accepted: a guessable token would make the check decorative. */
export const MIN_TOKEN_LENGTH = 16;

/** Host names a browser uses for a loopback listener; anything else in `Host` is a rebinding attempt. */
const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '[::1]'];

/**
 * The monitor's access control. Protected requests (actions, extra routes that ask for it) need the
 * configured token and must not come from another site; every request's `Host` must be one the
 * monitor answers to, so a page of another site cannot reach a loopback monitor through DNS
 * rebinding and read it.
 */
export class AccessGuard {
  private readonly tokenDigest: Buffer | undefined;
  private readonly hosts: ReadonlySet<string> | undefined;

  /**
   * @param token the shared secret of protected requests; without one they are all refused.
   * @param allowedHosts host names (without port) accepted in `Host`; `undefined` accepts any.
   */
  constructor(token: string | undefined, allowedHosts: readonly string[] | undefined) {
    if (token !== undefined && token.length < MIN_TOKEN_LENGTH) {
      throw new Error(`monitor: the token must have at least ${MIN_TOKEN_LENGTH} characters`);
    }
    this.tokenDigest = token === undefined ? undefined : digest(token);
    this.hosts = allowedHosts && new Set(allowedHosts.map((h) => h.toLowerCase()));
  }

  /** The default host names of a listener on `host`: the loopback names, or any for other addresses. */
  static defaultHosts(host: string): readonly string[] | undefined {
    return host === '127.0.0.1' || host === 'localhost' || host === '::1' ? LOOPBACK_HOSTS : undefined;
  }

  /** Refuses (421) a request whose `Host` the monitor does not answer to. */
  checkHost(req: http.IncomingMessage): void {
    if (!this.hosts) return;
    const name = hostName(req.headers.host ?? '');
    if (!this.hosts.has(name)) throw new HttpError(421, `this monitor does not answer to host ${JSON.stringify(req.headers.host ?? '')}`);
  }

  /** Refuses a protected request: 403 from another site or without a configured token, 401 without the right token. */
  checkProtected(req: http.IncomingMessage): void {
    const site = req.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin' && site !== 'none') {
      throw new HttpError(403, `refused: a ${String(site)} request may not change anything here`);
    }
    const origin = req.headers.origin;
    if (origin !== undefined && !sameOrigin(origin, req.headers.host)) {
      throw new HttpError(403, `refused: origin ${JSON.stringify(origin)} is not this monitor`);
    }
    if (!this.tokenDigest) throw new HttpError(403, 'refused: this monitor has no token configured, so actions and protected endpoints are off');
    const given = presentedToken(req);
    if (given === undefined) {
      throw new HttpError(401, 'a token is required: send "Authorization: Bearer <token>"', { 'WWW-Authenticate': 'Bearer realm="goka-ts monitor"' });
    }
    if (!timingSafeEqual(digest(given), this.tokenDigest)) {
      throw new HttpError(401, 'the token is wrong', { 'WWW-Authenticate': 'Bearer realm="goka-ts monitor", error="invalid_token"' });
    }
  }
}

function presentedToken(req: http.IncomingMessage): string | undefined {
  const auth = req.headers.authorization;
  const bearer = auth && /^Bearer\s+(.+)$/i.exec(auth);
  if (bearer) return bearer[1].trim();
  const header = req.headers['x-goka-token'];
  return typeof header === 'string' && header !== '' ? header : undefined;
}

/** Comparing digests keeps the comparison constant-time whatever the presented length. */
function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

function hostName(host: string): string {
  const lower = host.toLowerCase();
  if (lower.startsWith('[')) return lower.slice(0, lower.indexOf(']') + 1);
  const colon = lower.lastIndexOf(':');
  return colon === -1 ? lower : lower.slice(0, colon);
}

function sameOrigin(origin: string, host: string | undefined): boolean {
  if (host === undefined) return false;
  try {
    const url = new URL(origin);
    // A Host header with more than host and port (a path, user info) names no origin at all.
    const own = new URL(`http://${host}`);
    if (own.pathname !== '/' || own.search !== '' || own.hash !== '' || own.username !== '' || own.password !== '') return false;
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.host === own.host;
  } catch {
    return false; // "null" and other opaque origins, a malformed Origin or Host
  }
}
