/**
 * A web UI for goka-ts, after Goka's web package: monitor, query and actions pages over a JSON API.
 * See {@link MonitorServer}.
 */
export { MonitorServer } from './monitor_server';
export type { MonitorServerOptions } from './monitor_server';
export { HttpError } from './http_error';
export type { MonitorRoute, RouteHandler, RouteOptions } from './routes';
export type { ActionStatus } from './action_runner';
export type { ActionSpec, MonitoredProcessor, MonitoredView } from './sources';
