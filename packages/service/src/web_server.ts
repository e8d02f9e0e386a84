import { timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { MonitorServer } from '@goka-ts/web';
import { cpuProfile, heapSnapshot, MAX_PROFILE_SECONDS } from './profiling';

/** A health answer: `ok` picks 200 or 503, `body` is the JSON shown. */
export interface HealthReport {
  readonly ok: boolean;
  readonly body: Readonly<Record<string, unknown>>;
}

/** Options of {@link ServiceWebServer}. */
export interface ServiceWebServerOptions {
  readonly host: string;
  readonly port: number;
  /** Profiling needs `Authorization: Bearer <token>`; without a token configured it is refused. */
  readonly token?: string;
  readonly monitor: MonitorServer;
  readonly registry: Registry;
  readonly liveness: () => HealthReport;
  readonly readiness: () => HealthReport;
}

/**
 * The service's one HTTP address: `/healthz`, `/readyz`, `/metrics` and `/debug/*` here, every other
 * path (monitor, query and actions pages and their API) passed on to the {@link MonitorServer}.
 * MonitorServer owns its `node:http` server and offers no request handler to mount, so it listens on
 * a loopback port of its own and this server forwards to it.
 */
export class ServiceWebServer {
  private server: http.Server | undefined;
  private monitorBase: URL | undefined;
  private readonly profiles = new Set<AbortController>();

  constructor(private readonly options: ServiceWebServerOptions) {}

  /** Starts the monitor and this server; resolves with the base URL. */
  async listen(): Promise<string> {
    if (this.server) throw new Error('service web server: listen() was called already');
    this.monitorBase = new URL(await this.options.monitor.listen());
    const server = http.createServer((req, res) => void this.handle(req, res));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return `http://${host}:${address.port}`;
  }

  /** Ends running profiles, closes every connection, this server and the monitor. */
  async close(): Promise<void> {
    for (const p of this.profiles) p.abort();
    const server = this.server;
    this.server = undefined;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    await this.options.monitor.close();
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', 'http://service');
      const route = url.pathname;
      if (route === '/healthz' || route === '/readyz' || route === '/metrics' || route.startsWith('/debug/')) {
        if (req.method !== 'GET') return json(res, 405, { error: `${req.method} is not allowed on ${route}` });
      }
      if (route === '/healthz') return health(res, this.options.liveness());
      if (route === '/readyz') return health(res, this.options.readiness());
      if (route === '/metrics') {
        const body = await this.options.registry.metrics();
        res.writeHead(200, { 'Content-Type': this.options.registry.contentType, 'Cache-Control': 'no-store' });
        res.end(body);
        return;
      }
      if (route.startsWith('/debug/')) return await this.debug(req, res, route, url);
      this.forward(req, res);
    } catch (error) {
      if (!res.headersSent) json(res, 500, { error: error instanceof Error ? error.message : String(error) });
      else res.destroy();
    }
  }

  private async debug(req: http.IncomingMessage, res: http.ServerResponse, route: string, url: URL): Promise<void> {
    const refusal = this.refusal(req);
    if (refusal) return json(res, refusal.status, { error: refusal.message });
    if (route === '/debug/profile') {
      const given = url.searchParams.get('seconds') ?? '10';
      const seconds = Number(given);
      if (!Number.isFinite(seconds) || seconds <= 0 || seconds > MAX_PROFILE_SECONDS) {
        return json(res, 400, { error: `seconds must be a number above 0 and at most ${MAX_PROFILE_SECONDS}, got ${JSON.stringify(given)}` });
      }
      const abort = new AbortController();
      this.profiles.add(abort);
      res.once('close', () => abort.abort());
      try {
        const profile = await cpuProfile(seconds, abort.signal);
        if (res.destroyed) return;
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Disposition': 'attachment; filename="cpu.cpuprofile"', 'Cache-Control': 'no-store' });
        res.end(JSON.stringify(profile));
      } finally {
        this.profiles.delete(abort);
      }
      return;
    }
    if (route === '/debug/heap') {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Disposition': 'attachment; filename="heap.heapsnapshot"', 'Cache-Control': 'no-store' });
      await heapSnapshot((chunk) => res.write(chunk));
      res.end();
      return;
    }
    return json(res, 404, { error: `no endpoint ${route} (/debug/profile?seconds=N, /debug/heap)` });
  }

  /** Why a profiling request is refused, if it is. */
  private refusal(req: http.IncomingMessage): { status: number; message: string } | undefined {
    const token = this.options.token;
    if (!token) return { status: 403, message: 'profiling is disabled: start the service with --web-token (GOKA_WEB_TOKEN)' };
    const header = req.headers.authorization ?? '';
    const match = /^Bearer (.+)$/.exec(header);
    const given = Buffer.from(match ? match[1] : '');
    const wanted = Buffer.from(token);
    if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) {
      return { status: 401, message: 'profiling needs the header "Authorization: Bearer <web token>"' };
    }
    return undefined;
  }

  private forward(req: http.IncomingMessage, res: http.ServerResponse): void {
    const base = this.monitorBase!;
    const upstream = http.request(
      { host: base.hostname, port: base.port, method: req.method, path: req.url, headers: { ...req.headers, host: base.host } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.once('error', (error) => {
      if (!res.headersSent) json(res, 502, { error: `monitor unreachable: ${error.message}` });
      else res.destroy();
    });
    req.pipe(upstream);
  }
}

function health(res: http.ServerResponse, report: HealthReport): void {
  json(res, report.ok ? 200 : 503, report.body);
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(JSON.stringify(body));
}
