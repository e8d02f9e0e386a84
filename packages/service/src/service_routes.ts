import type http from 'node:http';
import type { Registry } from 'prom-client';
import { HttpError, type MonitorServer } from '@goka-ts/web';
import { cpuProfile, heapSnapshot, MAX_PROFILE_SECONDS } from './profiling';

/** A health answer: `ok` picks 200 or 503, `body` is the JSON shown. */
export interface HealthReport {
  readonly ok: boolean;
  readonly body: Readonly<Record<string, unknown>>;
}

/** What {@link addServiceRoutes} serves. */
export interface ServiceRoutesOptions {
  readonly registry: Registry;
  readonly liveness: () => HealthReport;
  readonly readiness: () => HealthReport;
  /** Aborts running CPU profiles when the service stops. */
  readonly signal: AbortSignal;
}

/**
 * Adds the service's endpoints to a monitor's server: `/healthz`, `/readyz` and `/metrics` open to
 * orchestrators and scrapers, `/debug/profile` and `/debug/heap` behind the monitor's token (refused
 * when none is configured), since a profile or heap snapshot exposes the process's memory.
 */
export function addServiceRoutes(monitor: MonitorServer, options: ServiceRoutesOptions): void {
  const open = { requireToken: false };
  monitor.route('GET', '/healthz', (_req, res) => health(res, options.liveness()), open);
  monitor.route('GET', '/readyz', (_req, res) => health(res, options.readiness()), open);
  monitor.route('GET', '/metrics', async (_req, res) => {
    const body = await options.registry.metrics();
    res.writeHead(200, { 'Content-Type': options.registry.contentType, 'Cache-Control': 'no-store' });
    res.end(body);
  }, open);
  monitor.route('GET', '/debug/profile', async (_req, res, url) => {
    const given = url.searchParams.get('seconds') ?? '10';
    const seconds = Number(given);
    if (!Number.isFinite(seconds) || seconds <= 0 || seconds > MAX_PROFILE_SECONDS) {
      throw new HttpError(400, `seconds must be a number above 0 and at most ${MAX_PROFILE_SECONDS}, got ${JSON.stringify(given)}`);
    }
    const abort = new AbortController();
    const end = () => abort.abort();
    res.once('close', end);
    options.signal.addEventListener('abort', end, { once: true });
    try {
      const profile = await cpuProfile(seconds, abort.signal);
      if (res.destroyed) return;
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Disposition': 'attachment; filename="cpu.cpuprofile"', 'Cache-Control': 'no-store' });
      res.end(JSON.stringify(profile));
    } finally {
      options.signal.removeEventListener('abort', end);
    }
  });
  monitor.route('GET', '/debug/heap', async (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Disposition': 'attachment; filename="heap.heapsnapshot"', 'Cache-Control': 'no-store' });
    await heapSnapshot((chunk) => res.write(chunk));
    res.end();
  });
}

function health(res: http.ServerResponse, report: HealthReport): void {
  res.writeHead(report.ok ? 200 : 503, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(JSON.stringify(report.body));
}
