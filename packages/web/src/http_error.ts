/**
 * An error that answers a request with `status` and `{ "error": message }`. Thrown by the monitor's
 * own endpoints and by extra routes ({@link MonitorServer.route}) to refuse a request with a 4xx.
 */
export class HttpError extends Error {
  constructor(
    /** HTTP status of the answer, 400 to 599. */
    readonly status: number,
    message: string,
    /** Extra response headers, e.g. `WWW-Authenticate` on a 401. */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}
