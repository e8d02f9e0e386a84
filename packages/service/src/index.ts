/**
 * Run the processors, views and emitters of one goka-ts service as a unit: ordered start and
 * reverse stop, signals, standard flags, health, metrics, monitor, profiling and fleet heartbeats.
 * See {@link Service} and {@link serviceMain}.
 */
export { Service, ComponentFailedError } from './service';
export type { ServiceState, ServiceExit, CreateServiceOptions, RunHooks } from './service';
export type { ServiceTask, ServiceTaskRun } from './service_task';
export { serviceMain } from './service_main';
export type { ServiceMainOptions } from './service_main';
export { parseServiceConfig, serviceHelp, ConfigError, SERVICE_FLAGS, CLIENT_KINDS } from './config';
export { createKafkaClient, loadOptional, redisPrefix } from './adapters';
export type { KafkaClientChoice } from './adapters';
export type { ServiceConfig, ParseConfigOptions, ParsedServiceConfig, ClientKind, StorageKind, HasherKind } from './config';
export { HeartbeatWriter } from './heartbeat_writer';
export type { HeartbeatWriterOptions } from './heartbeat_writer';
export type { HealthReport } from './service_routes';
export type { ServiceComponent } from './component';
