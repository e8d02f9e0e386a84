/**
 * A web UI for goka-ts, after Goka's web package: monitor, query, actions and fleet pages over a JSON API.
 * See {@link MonitorServer}.
 */
export { MonitorServer } from './monitor_server';
export type { MonitorServerOptions } from './monitor_server';
export { HttpError } from './http_error';
export { parseRequestTarget } from './request_target';
export { readRequestBody } from './request_body';
export { createLimitedServer, serverLimits, DEFAULT_SERVER_LIMITS } from './server_limits';
export type { ServerLimits } from './server_limits';
export type { MonitorRoute, RouteHandler, RouteOptions } from './routes';
export type { ActionStatus } from './action_runner';
export type { ActionSpec, MonitoredProcessor, MonitoredView } from './sources';
export { buildFleetGraph, STALE_INTERVALS } from './fleet_graph';
export type { FleetGraph, FleetNode, FleetComponentNode, FleetTopicNode, FleetEdge, FleetEdgeKind, FleetInstance } from './fleet_graph';
export { layoutFleet } from './fleet_layout';
export type { FleetPosition } from './fleet_layout';
export type { FleetOptions, FleetReaderState, FleetReaderStatus } from './fleet_reader';
