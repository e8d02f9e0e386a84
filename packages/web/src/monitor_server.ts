import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { TableDecodeError } from '@goka-ts/core';
import { AccessGuard } from './access_guard';
import { ActionRunner, type ActionStatus } from './action_runner';
import { buildFleetGraph, STALE_INTERVALS } from './fleet_graph';
import { layoutFleet } from './fleet_layout';
import { fleetPage } from './fleet_page';
import { FleetReader, type FleetOptions } from './fleet_reader';
import { HttpError } from './http_error';
import { toJson } from './json_value';
import { actionsPage, indexPage, processorPage, queryPage, viewPage } from './pages';
import type { HtmlPage } from './page_shell';
import { queryKey } from './query_key';
import { readRequestBody } from './request_body';
import { parseRequestTarget } from './request_target';
import { RouteTable, type MonitorRoute, type RouteHandler, type RouteOptions } from './routes';
import { createLimitedServer, serverLimits, type ServerLimits } from './server_limits';
import type { ActionSpec, MonitoredProcessor, MonitoredView } from './sources';

/** Options of {@link MonitorServer}. */
export interface MonitorServerOptions {
  /**
   * Address to listen on. Default `127.0.0.1`: the pages and the JSON API can be read without a
   * token, so the monitor is not exposed beyond the machine unless asked.
   */
  readonly host?: string;
  /** Default 0 (any free port; {@link MonitorServer.listen} says which). */
  readonly port?: number;
  /** Shown in the pages' titles. Default `"goka-ts"`. */
  readonly title?: string;
  /**
   * Shared secret (at least 16 characters) that actions and protected extra routes require, sent as
   * `Authorization: Bearer <token>` (or `X-Goka-Token`); the actions page asks for it. Without a
   * token every protected request is refused with 403.
   */
  readonly token?: string;
  /**
   * Host names (without port) the monitor answers to in the `Host` header; other requests get 421.
   * Default: `127.0.0.1`, `localhost` and `[::1]` when listening on loopback (so a page of another
   * site cannot read the monitor through DNS rebinding), any host otherwise.
   */
  readonly allowedHosts?: readonly string[];
  /** Extra routes on the same server, e.g. health checks; see {@link MonitorServer.route}. */
  readonly routes?: readonly MonitorRoute[];
  /**
   * Shows the fleet page (`/fleet`, `GET /api/fleet`): the graph of every service that publishes
   * heartbeats to `topic`, read with `client` from {@link listen} to {@link close}. Without it the
   * fleet API answers 404.
   */
  readonly fleet?: FleetOptions;
  /**
   * Timeouts, connection cap and size limits of the server; unset ones are
   * {@link DEFAULT_SERVER_LIMITS}'s (headers within 10 s, a request within 30 s, 256 connections, a
   * body of at most 64 KiB).
   */
  readonly limits?: Partial<ServerLimits>;
}

/**
 * Goka's web package for goka-ts: a monitor of processors and views (an index, a page per component,
 * JSON stats), a query page (a key's value in any view, or in a processor's table) and an actions
 * page (start named actions with a value, stop them), and a fleet page of every service that sends
 * heartbeats. Plain `node:http`, no framework.
 *
 * JSON API: `GET /api/components`, `/api/processors/:group`, `/api/views/:table` (the components'
 * `stats()`), `GET /api/query?source=view:<table>|processor:<group>&key=<key>`, `GET /api/actions`,
 * `GET /api/fleet` (with the `fleet` option: the graph of every service sending heartbeats),
 * `POST /api/actions/:name/start` (`{ "value": "..." }`) and `/stop`. Errors answer
 * `{ "error": "..." }` with a 4xx status; a malformed request is never answered with a 5xx. A stored
 * value the table's codec cannot decode is answered 500 with where it is (see the README).
 */
export class MonitorServer {
  private readonly processors = new Map<string, MonitoredProcessor>();
  private readonly views = new Map<string, MonitoredView>();
  private readonly actions = new Map<string, ActionRunner>();
  private readonly title: string;
  private readonly host: string;
  private readonly guard: AccessGuard;
  private readonly routes = new RouteTable();
  private server: http.Server | undefined;
  private readonly fleet: FleetReader | undefined;
  private readonly limits: ServerLimits;

  constructor(private readonly options: MonitorServerOptions = {}) {
    this.title = options.title ?? 'goka-ts';
    this.host = options.host ?? '127.0.0.1';
    this.guard = new AccessGuard(options.token, options.allowedHosts ?? AccessGuard.defaultHosts(this.host));
    for (const r of options.routes ?? []) this.routes.add(r);
    this.fleet = options.fleet && new FleetReader(options.fleet);
    this.limits = serverLimits(options.limits);
  }

  /**
   * Serves `handler` for `method` requests to exactly `path` (e.g. `GET /healthz`) on the monitor's
   * server, before the monitor's own pages; a path the monitor serves itself (`/`, `/query`,
   * `/actions`, `/fleet`, `/api/...`, `/processors/...`, `/views/...`) is refused. A route needs the
   * token unless `options.requireToken` is `false`. Can be called before or after {@link listen}.
   */
  route(method: string, path: string, handler: RouteHandler, options: RouteOptions = {}): this {
    this.routes.add({ ...options, method, path, handler });
    return this;
  }

  /** Shows a processor (by its group). */
  addProcessor(processor: MonitoredProcessor): this {
    const group = processor.stats().group;
    if (this.processors.has(group)) throw new Error(`monitor: a processor of group "${group}" is added already`);
    this.processors.set(group, processor);
    return this;
  }

  /** Shows a view (by its table) and makes it queryable. */
  addView(view: MonitoredView): this {
    const table = view.stats().table;
    if (this.views.has(table)) throw new Error(`monitor: a view of table "${table}" is added already`);
    this.views.set(table, view);
    return this;
  }

  /** Offers an action on the actions page. */
  addAction(name: string, spec: ActionSpec): this {
    if (!name || /[/?#]/.test(name)) throw new Error(`monitor: action name ${JSON.stringify(name)} must be non-empty and without / ? #`);
    if (this.actions.has(name)) throw new Error(`monitor: action "${name}" is added already`);
    this.actions.set(name, new ActionRunner(name, spec));
    return this;
  }

  /** Starts serving; resolves with the base URL, e.g. `http://127.0.0.1:8080`. */
  async listen(): Promise<string> {
    if (this.server) throw new Error('monitor: listen() was called already');
    const server = createLimitedServer((req, res) => void this.handle(req, res), this.limits);
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port ?? 0, this.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.fleet?.start();
    const address = server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return `http://${host}:${address.port}`;
  }

  /** Stops running actions and the fleet reader, closes every connection and the server. */
  async close(): Promise<void> {
    await Promise.all([...this.actions.values()].map((a) => a.stop()));
    await this.fleet?.stop();
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    try {
      this.guard.checkHost(req);
      const url = parseRequestTarget(req.url);
      // Repeated slashes are merged, for extra routes as for the monitor's pages: //api/components is /api/components.
      const pathname = url.pathname.replace(/\/{2,}/g, '/');
      const route = this.routes.find(req.method ?? 'GET', pathname);
      if (route === 'wrong-method') throw new HttpError(405, `${req.method} is not allowed on ${pathname}`);
      if (route) {
        if (route.requireToken) this.guard.checkProtected(req);
        return await route.handler(req, res, url);
      }
      const path = pathname.split('/').filter(Boolean).map(decodePathPart);
      if (path[0] === 'api') return await this.api(req, res, path.slice(1), url);
      if (req.method !== 'GET') throw new HttpError(405, `${req.method} is not allowed here`);
      return this.html(res, this.page(path));
    } catch (error) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const answer = errorAnswer(error);
      // A body left unread (refused before it was read, or too large) is not drained: the connection ends.
      const close = req.complete ? {} : { Connection: 'close' };
      try {
        res.writeHead(answer.status, { ...SECURITY_HEADERS, ...answer.headers, ...close, 'Content-Type': 'application/json; charset=utf-8' });
        res.end(toJson(answer.body));
      } catch {
        res.destroy(); // e.g. an extra route's HttpError with a header Node refuses; never an unhandled rejection
      }
    }
  }

  private page(path: string[]): HtmlPage {
    const [section, name, extra] = path;
    if (extra !== undefined) throw new HttpError(404, `no page /${path.join('/')}`);
    if (section === undefined) return indexPage(this.title);
    if (section === 'query' && name === undefined) return queryPage(this.title);
    if (section === 'actions' && name === undefined) return actionsPage(this.title);
    if (section === 'fleet' && name === undefined) return fleetPage(this.title);
    if (section === 'processors' && name !== undefined) {
      this.processor(name); // 404 for an unknown group
      return processorPage(this.title, name);
    }
    if (section === 'views' && name !== undefined) {
      this.view(name);
      return viewPage(this.title, name);
    }
    throw new HttpError(404, `no page /${path.join('/')}`);
  }

  private async api(req: http.IncomingMessage, res: http.ServerResponse, path: string[], url: URL): Promise<void> {
    const [section, name, verb, extra] = path;
    const get = req.method === 'GET';
    if (extra === undefined && section === 'actions' && name !== undefined && verb !== undefined) {
      if (req.method !== 'POST') throw new HttpError(405, `use POST to ${verb} an action`);
      this.guard.checkProtected(req);
      return this.json(res, 200, await this.actOn(name, verb, req));
    }
    if (!get) throw new HttpError(405, `${req.method} is not allowed on /api/${path.join('/')}`);
    if (verb !== undefined || extra !== undefined) throw new HttpError(404, `no endpoint /api/${path.join('/')}`);
    if (section === 'components' && name === undefined) return this.json(res, 200, this.components());
    if (section === 'processors' && name !== undefined) return this.json(res, 200, this.processor(name).stats());
    if (section === 'views' && name !== undefined) return this.json(res, 200, this.view(name).stats());
    if (section === 'actions' && name === undefined) return this.json(res, 200, [...this.actions.values()].map((a) => a.current));
    if (section === 'query' && name === undefined) return this.json(res, 200, await this.query(url));
    if (section === 'fleet' && name === undefined) return this.json(res, 200, await this.fleetGraph());
    throw new HttpError(404, `no endpoint /api/${path.join('/')}`);
  }

  private components() {
    return {
      processors: [...this.processors].map(([group, p]) => {
        const s = p.stats();
        return { group, state: s.state, partitions: Object.keys(s.partitions).length, queryable: typeof p.get === 'function' };
      }),
      views: [...this.views].map(([table, v]) => {
        const s = v.stats();
        return { table, state: s.state, partitions: Object.keys(s.partitions).length };
      }),
    };
  }

  private async fleetGraph() {
    if (!this.fleet) throw new HttpError(404, 'this monitor has no fleet configured (MonitorServer option "fleet")');
    const now = Date.now();
    const graph = buildFleetGraph(await this.fleet.heartbeats(), now);
    return { reader: this.fleet.status(), now, staleAfterIntervals: STALE_INTERVALS, ...graph, layout: layoutFleet(graph) };
  }

  private async query(url: URL): Promise<{ found: boolean; value?: unknown }> {
    const source = url.searchParams.get('source');
    if (!source) throw new HttpError(400, 'missing query parameter "source" (view:<table> or processor:<group>)');
    const [kind, ...rest] = source.split(':');
    const name = rest.join(':');
    let value: unknown;
    if (kind === 'view') {
      const view = this.view(name);
      value = await view.get(queryKey(url.searchParams, view.keyCodec));
    } else if (kind === 'processor') {
      const processor = this.processor(name);
      if (!processor.get) throw new HttpError(400, `processor "${name}" offers no get()`);
      const key = queryKey(url.searchParams, processor.keyCodec);
      try {
        value = await processor.get(key);
      } catch (error) {
        if (error instanceof TableDecodeError) throw error;
        // Keys of partitions another instance owns, or a processor that is not running.
        throw new HttpError(409, error instanceof Error ? error.message : String(error));
      }
    } else throw new HttpError(400, `source must be view:<table> or processor:<group>, got ${JSON.stringify(source)}`);
    return value === undefined ? { found: false } : { found: true, value };
  }

  private async actOn(name: string, verb: string, req: http.IncomingMessage): Promise<ActionStatus> {
    const action = this.actions.get(name);
    if (!action) throw new HttpError(404, `no action "${name}"`);
    if (verb === 'stop') {
      await action.stop();
      return action.current;
    }
    if (verb !== 'start') throw new HttpError(404, `actions can be started or stopped, not "${verb}"`);
    const body = await readJsonObject(req, this.limits.maxBodyBytes);
    const value = body.value ?? '';
    if (typeof value !== 'string') throw new HttpError(400, `"value" must be a string, got ${typeof value}`);
    if (!action.start(value)) throw new HttpError(409, `action "${name}" is running; stop it first`);
    return action.current;
  }

  private processor(group: string): MonitoredProcessor {
    const p = this.processors.get(group);
    if (!p) throw new HttpError(404, `no processor of group "${group}"`);
    return p;
  }

  private view(table: string): MonitoredView {
    const v = this.views.get(table);
    if (!v) throw new HttpError(404, `no view of table "${table}"`);
    return v;
  }

  private json(res: http.ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'application/json; charset=utf-8' });
    res.end(toJson(body));
  }

  private html(res: http.ServerResponse, page: HtmlPage): void {
    res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Security-Policy': page.csp, 'Content-Type': 'text/html; charset=utf-8' });
    res.end(page.html);
  }
}

/** Sent with every answer: no caching of table contents, no content sniffing, no framing of the pages. */
const SECURITY_HEADERS = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
} as const;

/** An optional JSON object body, at most `limit` bytes; an empty body is `{}`. */
async function readJsonObject(req: http.IncomingMessage, limit: number): Promise<Record<string, unknown>> {
  const text = (await readRequestBody(req, limit)).toString('utf8').trim();
  if (text === '') return {};
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, `request body is not valid JSON: ${(error as Error).message}`);
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new HttpError(400, 'request body must be a JSON object');
  return body as Record<string, unknown>;
}

/**
 * Status, headers and JSON body of a failed request. A stored value that cannot be decoded is the
 * server's problem, not the request's: 500, with where the value is so an operator can find it.
 */
function errorAnswer(error: unknown): { status: number; headers: Readonly<Record<string, string>>; body: Record<string, unknown> } {
  if (error instanceof HttpError) return { status: error.status, headers: error.headers, body: { error: error.message } };
  if (error instanceof TableDecodeError) {
    const cause = error.cause instanceof Error ? error.cause.message : String(error.cause);
    return { status: 500, headers: {}, body: { error: error.message, undecodable: { table: error.table, partition: error.partition, key: error.key, codec: error.codec, cause } } };
  }
  return { status: 500, headers: {}, body: { error: error instanceof Error ? error.message : String(error) } };
}

function decodePathPart(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new HttpError(400, `malformed path segment ${JSON.stringify(part)}`);
  }
}
