import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** An error with the HTTP status it should be answered with; its message is shown to the client. */
export class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = 'HttpError';
  }
}

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
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limitBytes) {
    throw new HttpError(413, `request body of ${declared} bytes exceeds the limit of ${limitBytes} bytes`);
  }
  const body = await readLimited(req, limitBytes);
  const text = body.toString('utf8');
  if (text.trim() === '') throw new HttpError(400, 'request body is empty; expected a JSON object');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new HttpError(400, `request body is not valid JSON: ${(error as Error).message}`);
  }
}

/**
 * Collects the body, failing with 413 as soon as it passes the limit (chunked bodies carry no length
 * up front). Reading stops there without destroying the socket, so the 413 answer still arrives.
 */
function readLimited(req: http.IncomingMessage, limitBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) {
        cleanup();
        req.pause();
        reject(new HttpError(413, `request body exceeds the limit of ${limitBytes} bytes`));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(new HttpError(400, `could not read the request body: ${error.message}`));
    };
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

/**
 * A node:http server that answers every request with JSON. Handler errors become
 * `{ "error": message }` with the HttpError's status, or 500 for anything unexpected.
 */
export function createJsonServer(handler: JsonHandler): http.Server {
  return http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    handler(req, url).then(
      (response) => writeJson(res, response.status, response.body),
      (error: unknown) => {
        if (error instanceof HttpError) {
          // The body may be partly unread (e.g. too large): close the connection rather than drain it.
          res.setHeader('Connection', 'close');
          writeJson(res, error.status, { error: error.message });
        } else {
          writeJson(res, 500, { error: `internal error: ${error instanceof Error ? error.message : String(error)}` });
        }
      },
    );
  });
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
