import type http from 'node:http';

/**
 * Handles one request of an extra route. Write the answer to `res`; throw an {@link HttpError} to
 * answer with its status and `{ "error": ... }`, any other error answers 500 with its message.
 */
export type RouteHandler = (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => void | Promise<void>;

/** Access rule of an extra route. */
export interface RouteOptions {
  /**
   * Whether the route needs the monitor's token (`Authorization: Bearer <token>` or
   * `X-Goka-Token: <token>`) and passes the same-origin check, like the actions. Default `true`:
   * a route is protected unless it says otherwise; pass `false` for health checks and metrics that
   * orchestrators and scrapers call without credentials.
   */
  readonly requireToken?: boolean;
}

/** An extra route of {@link MonitorServerOptions.routes}. */
export interface MonitorRoute extends RouteOptions {
  /** HTTP method, e.g. `GET`; matched case-insensitively. */
  readonly method: string;
  /** The exact path, e.g. `/healthz` (the query string is not part of it; the handler gets the URL). */
  readonly path: string;
  readonly handler: RouteHandler;
}

/** Paths the monitor serves itself; an extra route may not shadow them. */
const RESERVED_EXACT = new Set(['/', '/query', '/actions', '/fleet']);
const RESERVED_PREFIXES = ['/api/', '/processors/', '/views/'];

interface Entry {
  readonly handler: RouteHandler;
  readonly requireToken: boolean;
}

/** The extra routes of a monitor, by method and exact path. */
export class RouteTable {
  private readonly routes = new Map<string, Map<string, Entry>>();

  add(route: MonitorRoute): void {
    const method = route.method.toUpperCase();
    const { path } = route;
    if (!/^[A-Z]+$/.test(method)) throw new Error(`monitor: route method ${JSON.stringify(route.method)} is not an HTTP method`);
    if (!path.startsWith('/') || /[?#]/.test(path)) throw new Error(`monitor: route path ${JSON.stringify(path)} must start with / and have no ? or #`);
    if (RESERVED_EXACT.has(path) || path === '/api' || RESERVED_PREFIXES.some((p) => path.startsWith(p))) {
      throw new Error(`monitor: route path ${JSON.stringify(path)} is one the monitor serves itself`);
    }
    const byMethod = this.routes.get(path) ?? new Map<string, Entry>();
    if (byMethod.has(method)) throw new Error(`monitor: a route ${method} ${path} is added already`);
    byMethod.set(method, { handler: route.handler, requireToken: route.requireToken ?? true });
    this.routes.set(path, byMethod);
  }

  /** The route of a request; `'wrong-method'` when the path has routes but none for this method. */
  find(method: string, path: string): Entry | 'wrong-method' | undefined {
    const byMethod = this.routes.get(path);
    if (!byMethod) return undefined;
    return byMethod.get(method.toUpperCase()) ?? 'wrong-method';
  }
}
