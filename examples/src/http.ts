import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLimitedServer, HttpError, parseRequestTarget, readRequestBody, serverLimits, type ServerLimits } from '@goka-ts/web';

// The web package's error, so the request-target parser's and body reader's 4xx answer like ours.
export { HttpError };

/** What a route returns: status and a JSON-serialisable body. */
export interface JsonResponse {
  readonly status: number;
  readonly body: unknown;
}

export type JsonHandler = (req: http.IncomingMessage, url: URL) => Promise<JsonResponse>;

/** Largest request body the examples accept, unless a server says otherwise. */
export const DEFAULT_BODY_LIMIT_BYTES = 16 * 1024;

/**
 * Reads a JSON request body, enforcing the content type and a size limit before anything is parsed,
 * so oversized or malformed input is rejected with a 4xx instead of reaching Kafka.
 */
export async function readJsonBody(req: http.IncomingMessage, limitBytes = DEFAULT_BODY_LIMIT_BYTES): Promise<unknown> {
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/json\b/i.test(type)) {
    throw new HttpError(415, `expected a JSON body (Content-Type: application/json), got ${type ? `"${type}"` : 'none'}`);
  }
  const body = await readRequestBody(req, limitBytes);
  const text = body.toString('utf8');
  if (text.trim() === '') throw new HttpError(400, 'request body is empty; expected a JSON object');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new HttpError(400, `request body is not valid JSON: ${(error as Error).message}`);
  }
}

/**
 * A node:http server that answers every request with JSON. Handler errors become
 * `{ "error": message }` with the HttpError's status, or 500 for anything unexpected; a malformed
 * request target gets 400 before the handler is called. `limits` (timeouts, connection cap) default
 * to `@goka-ts/web`'s `DEFAULT_SERVER_LIMITS`.
 */
export function createJsonServer(handler: JsonHandler, options: { limits?: Partial<ServerLimits> } = {}): http.Server {
  return createLimitedServer((req, res) => void respond(handler, req, res), serverLimits(options.limits));
}

async function respond(handler: JsonHandler, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  let answer: JsonResponse;
  try {
    answer = await handler(req, parseRequestTarget(req.url));
  } catch (error) {
    if (error instanceof HttpError) {
      // The body may be partly unread (e.g. too large): close the connection rather than drain it.
      res.setHeader('Connection', 'close');
      answer = { status: error.status, body: { error: error.message } };
    } else {
      answer = { status: 500, body: { error: `internal error: ${error instanceof Error ? error.message : String(error)}` } };
    }
  }
  try {
    writeJson(res, answer.status, answer.body);
  } catch (error) {
    // A body JSON cannot represent (a bigint, a cycle) must not become an unhandled rejection.
    if (!res.headersSent) writeJson(res, 500, { error: `internal error: ${error instanceof Error ? error.message : String(error)}` });
    else res.destroy();
  }
}

function writeJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** Starts listening and resolves with the bound port (pass 0 for any free port). */
export function listen(server: http.Server, port: number, host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Stops accepting connections and closes idle keep-alive sockets so the process can exit. */
export function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!server.listening) return resolve();
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeIdleConnections();
  });
}

/** Fails with 405 unless the request uses one of the allowed methods. */
export function requireMethod(req: http.IncomingMessage, ...allowed: string[]): void {
  if (!allowed.includes(req.method ?? '')) {
    throw new HttpError(405, `method ${req.method} is not allowed here; use ${allowed.join(' or ')}`);
  }
}
