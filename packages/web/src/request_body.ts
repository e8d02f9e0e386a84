import type http from 'node:http';
import { HttpError } from './http_error';

/**
 * Reads a request body of at most `limitBytes`, or throws an {@link HttpError}: 413 when the declared
 * `Content-Length` or the bytes received pass the limit (chunked bodies declare no length), 400 when
 * the client breaks off. Reading stops at the limit without destroying the socket, so the 413 still
 * reaches the client; answer it with `Connection: close` rather than draining the rest.
 */
export function readRequestBody(req: http.IncomingMessage, limitBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limitBytes) {
    return Promise.reject(new HttpError(413, `request body of ${declared} bytes exceeds the limit of ${limitBytes} bytes`));
  }
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
