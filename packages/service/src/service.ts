import type { Codec, Hasher, KafkaClient, Logger, StorageBuilder } from '@goka-ts/api';
import {
  consoleLogger,
  Emitter,
  fnv1aHasher,
  murmur2Hasher,
  Processor,
  View,
  type EmitterOptions,
  type GroupGraph,
  type PersistedGraph,
  type ProcessorOptions,
  type ViewOptions,
} from '@goka-ts/core';
import { GokaMetrics, type RdKafkaStatisticsSubscription } from '@goka-ts/prometheus';
import { MonitorServer } from '@goka-ts/web';
import { Registry } from 'prom-client';
import { createClient, storageFactory, type StorageFactory } from './adapters';
import { componentLabel, type AnyProcessor, type ServiceComponent } from './component';
import { parseServiceConfig, type ParseConfigOptions, type ServiceConfig } from './config';
import { HeartbeatWriter } from './heartbeat_writer';
import { taskLabel, type ServiceTask, type ServiceTaskRun } from './service_task';
import { startLayers } from './start_order';
import { addServiceRoutes, type HealthReport } from './service_routes';

/** Life cycle of a {@link Service}. */
export type ServiceState = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';

/** How a service ended: `code` is the process exit code (0 only for a clean stop). */
export interface ServiceExit {
  readonly code: number;
  /** The component whose failure ended the service, e.g. `processor "counter"`. */
  readonly failed?: string;
  readonly error?: unknown;
  /** The stop took longer than the grace period (or a second signal came) and was cut short. */
  readonly forced?: boolean;
}

/** What {@link Service.run} takes. */
export interface RunHooks {
  /** Called once every component runs (and every task was started), e.g. to print `service.url`. */
  readonly onRunning?: (service: Service) => void;
}

/** A component failure, naming the component. */
export class ComponentFailedError extends Error {
  override readonly name = 'ComponentFailedError';
  constructor(readonly component: string, cause: unknown) {
    super(`${component} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/** What {@link Service.create} takes: the config sources, plus overrides that win over all of them. */
export interface CreateServiceOptions extends ParseConfigOptions {
  /** Set in code after flags and environment are read; wins over both. */
  readonly overrides?: Partial<ServiceConfig>;
  /** Where the service and its components log. Default: stderr at the configured level. */
  readonly logger?: Logger;
  /** A client to use instead of the one the config names (e.g. one the caller shares). */
  readonly client?: KafkaClient;
}

/**
 * The processors, views and emitters of one service, run as one unit: started in dependency order
 * (views before the processors that read their tables, processors before the views of the tables they
 * write, emitters last), stopped in reverse, with health, metrics, the monitor, profiling and fleet
 * heartbeats attached to every component.
 *
 * ```ts
 * const service = await Service.create({ defaults: { service: 'counter' } }); // flags and GOKA_* variables
 * const processor = service.processor(counterGraph);
 * const view = service.viewOf(counterGraph);
 * const exit = await service.run(); // until SIGTERM/SIGINT or a failure
 * process.exitCode = exit.code;
 * ```
 */
export class Service {
  private readonly components: ServiceComponent[] = [];
  private readonly tasks: ServiceTask[] = [];
  private readonly taskRuns: Promise<void>[] = [];
  private currentState: ServiceState = 'idle';
  // `abort` ends the components' runs once they stopped; `stopBegun` tells tasks a stop began.
  private readonly abort = new AbortController();
  private readonly stopBegun = new AbortController();
  private readonly runs = new Map<ServiceComponent, Promise<void>>();
  private layers: ServiceComponent[][] = [];
  private heartbeats: HeartbeatWriter | undefined;
  private web: MonitorServer | undefined;
  private metrics: GokaMetrics | undefined;
  private baseUrl: string | undefined;
  private failureError: ComponentFailedError | undefined;
  private failed!: (error: ComponentFailedError) => void;
  private stopping: Promise<void> | undefined;
  private readonly stopFailures: ComponentFailedError[] = [];
  /** Rejects with a {@link ComponentFailedError} when a component fails after start() was called. */
  readonly failure: Promise<never>;
  readonly hasher: Hasher;

  private constructor(
    readonly config: ServiceConfig,
    readonly client: KafkaClient,
    private readonly storages: StorageFactory,
    readonly logger: Logger,
  ) {
    this.hasher = config.hasher === 'fnv1a' ? fnv1aHasher : murmur2Hasher;
    this.failure = new Promise<never>((_, reject) => {
      this.failed = reject;
    });
    // Callers race on it; an unobserved rejection must not crash the process.
    this.failure.catch(() => undefined);
  }

  /**
   * Reads flags, environment and defaults, loads the client and storage adapters they name.
   * @throws {ConfigError} for a wrong flag or variable.
   */
  static async create(options: CreateServiceOptions = {}): Promise<Service> {
    const parsed = parseServiceConfig(options);
    const config = { ...parsed.config, ...options.overrides };
    return Service.fromConfig(config, options);
  }

  /** A service of a config built in code. */
  static async fromConfig(config: ServiceConfig, options: Pick<CreateServiceOptions, 'logger' | 'client'> = {}): Promise<Service> {
    const logger = options.logger ?? consoleLogger({ level: config.logLevel, fields: { service: config.service } });
    const client = options.client ?? (await createClient(config, logger));
    return new Service(config, client, await storageFactory(config), logger);
  }

  get state(): ServiceState {
    return this.currentState;
  }

  /** The failure that ended (or is ending) the service, naming the component; `undefined` otherwise. */
  get error(): ComponentFailedError | undefined {
    return this.failureError;
  }

  /** Base URL of the web server once started (`undefined` without `webPort`). */
  get url(): string | undefined {
    return this.baseUrl;
  }

  /**
   * Aborts when the service begins to stop: a signal, a failure, {@link stop} or a task's end. Tasks
   * get it; other work beside the service can race it too.
   */
  get stopSignal(): AbortSignal {
    return this.stopBegun.signal;
  }

  /** The start layers once started, by component label; stops go through them in reverse. */
  get startOrder(): readonly (readonly string[])[] {
    return this.layers.map((layer) => layer.map(componentLabel));
  }

  /**
   * The configured storage for one component, e.g. `storage('processor-counter')`: LevelDB under
   * `<storagePath>/<service>-<instance>/<component>`, Redis keys under a prefix shared by the
   * service's instances for processors and the instance's own for views, LRU on top.
   */
  storage(component: string): StorageBuilder {
    return this.storages.builder(component);
  }

  /** A processor on the service's client, storage, hasher and logger; `overrides` win. */
  processor<M, S, V, O, J, L, LV>(graph: GroupGraph<M, S, V, O, J, L, LV>, overrides: Partial<ProcessorOptions> = {}): Processor<M, S, V, O, J, L, LV> {
    const processor = new Processor(graph, { client: this.client, storage: this.storage(`processor-${graph.group}`), hasher: this.hasher, logger: this.logger, ...overrides });
    this.add(processor);
    return processor;
  }

  /** A view of a table on the service's client, storage, hasher and logger. */
  view<T>(table: string, codec: Codec<T>, overrides: Partial<ViewOptions> = {}): View<T> {
    const view = new View(table, codec, this.viewOptions(table, overrides));
    this.add(view);
    return view;
  }

  /** A view of a group's table, typed by the group's `persist` codec. */
  viewOf<V>(graph: PersistedGraph<V>, overrides: Partial<ViewOptions> = {}): View<V> {
    const view = View.of(graph, this.viewOptions(graph.tableTopic, overrides));
    this.add(view);
    return view;
  }

  /** An emitter on the service's client, hasher and logger. */
  emitter<T>(topic: string, codec: Codec<T>, overrides: Partial<EmitterOptions> = {}): Emitter<T> {
    const emitter = new Emitter(topic, codec, { client: this.client, hasher: this.hasher, logger: this.logger, ...overrides });
    this.add(emitter);
    return emitter;
  }

  /**
   * Adds a task: work of the application beside the components, such as an HTTP API of its own or a
   * one-shot job (see {@link ServiceTaskRun} for how its end ends the service). Tasks start after
   * every component runs and the first heartbeats are out, and stop first, before emitters finish,
   * so a task can use every component until its signal aborts. A task's failure fails the service
   * like a component's, named `task "<name>"`. Only before {@link start}.
   */
  task(name: string, run: ServiceTaskRun): this {
    if (this.currentState !== 'idle') throw new Error(`service "${this.config.service}": tasks can be added only before start (state: ${this.currentState})`);
    if (this.tasks.some((t) => t.name === name)) throw new Error(`service "${this.config.service}": ${taskLabel({ name })} is added already`);
    this.tasks.push({ name, run });
    return this;
  }

  /** Adds a component built elsewhere. Only before {@link start}. */
  add(component: AnyProcessor | View<unknown> | Emitter<unknown>): this {
    if (this.currentState !== 'idle') throw new Error(`service "${this.config.service}": components can be added only before start (state: ${this.currentState})`);
    let entry: ServiceComponent;
    if (component instanceof Processor) entry = { kind: 'processor', name: component.graph.group, component };
    else if (component instanceof View) entry = { kind: 'view', name: component.table, component };
    else entry = { kind: 'emitter', name: component.topic, component };
    if (this.components.some((c) => c.kind === entry.kind && c.name === entry.name)) {
      throw new Error(`service "${this.config.service}": ${componentLabel(entry)} is added already`);
    }
    this.components.push(entry);
    return this;
  }

  /**
   * Starts the web server, every component in order (each layer once the one before runs), the
   * heartbeats and then the tasks. Resolves when every component runs; on a failure stops what
   * started and rejects with a {@link ComponentFailedError} naming the component.
   */
  async start(): Promise<void> {
    if (this.currentState !== 'idle') throw new Error(`service "${this.config.service}": start() in state ${this.currentState}`);
    this.currentState = 'starting';
    try {
      this.layers = startLayers(this.components);
      const heartbeats = this.config.heartbeatIntervalMs > 0
        ? new HeartbeatWriter(
          { client: this.client, topic: this.config.heartbeatTopic, intervalMs: this.config.heartbeatIntervalMs, service: this.config.service, instance: this.config.instance, logger: this.logger },
          () => this.components,
        )
        : undefined;
      // The fleet reader starts with the web server; on a fresh cluster it would fail on the missing
      // topic and retry with growing backoff, showing an empty page for seconds after the first beat.
      if (heartbeats && this.showsFleet) await this.untilFailure(heartbeats.ensureTopic());
      await this.startWeb();
      for (const layer of this.layers) {
        await this.untilFailure(Promise.all(layer.map((c) => this.launch(c))));
      }
      for (const c of this.components) {
        if (c.kind === 'emitter') await this.untilFailure(this.guard(c, c.component.start()));
      }
      if (heartbeats) {
        this.heartbeats = heartbeats;
        await this.untilFailure(heartbeats.start());
      }
      if (this.currentState === 'starting') this.currentState = 'running';
      for (const t of this.tasks) this.launchTask(t);
    } catch (error) {
      const failure = error instanceof ComponentFailedError ? error : new ComponentFailedError(`service "${this.config.service}"`, error);
      this.fail(failure);
      await this.stopping;
      throw failure;
    }
  }

  /**
   * Stops gracefully: tasks first (their signal aborts and the service waits for them), then in
   * reverse start order: emitters drain, then the processors and views layer by layer, then
   * heartbeats (a tombstone per component after a clean stop) and the web server. Safe to call more
   * than once.
   */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  /**
   * Starts, runs until SIGTERM/SIGINT (handled once: a second signal, or a stop longer than the
   * grace period, cuts the stop short), a component or task failure, a task's end or a call of
   * {@link stop}, stops, and says how it ended.
   */
  async run(hooks: RunHooks = {}): Promise<ServiceExit> {
    let signalled: () => void = () => undefined;
    const signal = new Promise<void>((resolve) => (signalled = resolve));
    let forced: (why: string) => void = () => undefined;
    const force = new Promise<string>((resolve) => (forced = resolve));
    let signals = 0;
    const onSignal = (name: NodeJS.Signals) => {
      signals++;
      this.logger.info(signals === 1 ? 'stopping on signal' : 'second signal: giving up the graceful stop', { signal: name });
      if (signals === 1) signalled();
      else forced(`second ${name} while stopping`);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    let grace: NodeJS.Timeout | undefined;
    try {
      try {
        await this.start();
        hooks.onRunning?.(this);
        await Promise.race([signal, this.failure, untilAborted(this.stopBegun.signal)]);
      } catch {
        // The failure is reported below; stop() already runs.
      }
      grace = setTimeout(() => forced(`stop did not finish within ${this.config.gracePeriodMs} ms`), this.config.gracePeriodMs);
      const outcome = await Promise.race([this.stop().then(() => undefined), force]);
      if (outcome !== undefined) {
        return { code: 1, forced: true, failed: this.failureError?.component, error: this.failureError ?? new Error(`service "${this.config.service}": ${outcome}`) };
      }
      if (this.failureError) return { code: 1, failed: this.failureError.component, error: this.failureError };
      return { code: 0 };
    } finally {
      clearTimeout(grace);
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    }
  }

  /** Liveness: the process works (not failed, not stopped). */
  liveness(): HealthReport {
    const ok = this.currentState !== 'failed' && this.currentState !== 'stopped';
    return { ok, body: { status: ok ? 'ok' : this.currentState, service: this.config.service, instance: this.config.instance, state: this.currentState } };
  }

  /** Readiness: the service runs and every component is running (processors and views recovered). */
  readiness(): HealthReport {
    const components = this.components.map((c) => ({ kind: c.kind, name: c.name, state: c.component.state }));
    const ok = this.currentState === 'running' && components.every((c) => c.state === 'running');
    const heartbeatError = this.heartbeats?.lastError;
    return {
      ok,
      body: {
        status: ok ? 'ready' : 'not ready',
        service: this.config.service,
        instance: this.config.instance,
        state: this.currentState,
        components,
        ...(heartbeatError === undefined ? {} : { heartbeatError: heartbeatError instanceof Error ? heartbeatError.message : String(heartbeatError) }),
      },
    };
  }

  /** A service with heartbeats off is taken as outside the fleet: it neither joins nor shows it. */
  private get showsFleet(): boolean {
    return this.config.fleet && this.config.webPort !== undefined && this.config.heartbeatIntervalMs > 0;
  }

  private viewOptions(table: string, overrides: Partial<ViewOptions>): ViewOptions {
    return { client: this.client, storage: this.storage(`view-${table}`), hasher: this.hasher, logger: this.logger, ...overrides };
  }

  private async startWeb(): Promise<void> {
    if (this.config.webPort === undefined) return;
    const registry = new Registry();
    const metrics = new GokaMetrics({ registry });
    this.metrics = metrics;
    const monitor = new MonitorServer({
      host: this.config.webHost,
      port: this.config.webPort,
      token: this.config.webToken,
      title: `${this.config.service} (${this.config.instance})`,
      ...(this.showsFleet ? { fleet: { client: this.client, topic: this.config.heartbeatTopic, logger: this.logger } } : {}),
    });
    for (const c of this.components) {
      if (c.kind === 'processor') {
        monitor.addProcessor(c.component);
        metrics.addProcessor(c.component);
      } else if (c.kind === 'view') {
        monitor.addView(c.component);
        metrics.addView(c.component);
      }
    }
    for (const [component, stats] of this.storages.stats) metrics.addStorage(component, stats);
    // librdkafka's statistics when the client has them (@goka-ts/confluent); the JS clients have none.
    const statistics = (this.client as Partial<{ onStatistics: RdKafkaStatisticsSubscription }>).onStatistics;
    if (typeof statistics === 'function') metrics.addRdkafka((listener) => statistics.call(this.client, listener));
    addServiceRoutes(monitor, { registry, liveness: () => this.liveness(), readiness: () => this.readiness(), signal: this.abort.signal });
    this.web = monitor;
    this.baseUrl = await this.web.listen();
    this.logger.info('serving monitor, health, metrics and profiling', { url: this.baseUrl });
  }

  /** Runs a processor or view and resolves once it is running (recovered). */
  private async launch(c: ServiceComponent): Promise<void> {
    if (c.kind === 'emitter') return;
    const component = c.component;
    const running = component.run(this.abort.signal).then(
      () => {
        if (this.currentState === 'starting' || this.currentState === 'running') {
          this.fail(new ComponentFailedError(componentLabel(c), new Error('stopped on its own while the service was running')));
        }
      },
      (error: unknown) => this.fail(new ComponentFailedError(componentLabel(c), error)),
    );
    this.runs.set(c, running);
    await this.guard(c, component.waitRunning());
  }

  /** Runs a task; its end stops the service, its failure fails it (see {@link ServiceTaskRun}). */
  private launchTask(t: ServiceTask): void {
    const signal = this.stopBegun.signal;
    const done = Promise.resolve()
      .then(() => t.run(signal))
      .then(
        () => {
          if (signal.aborted) return;
          this.logger.info('task ended; stopping the service', { task: t.name });
          void this.stop();
        },
        (error: unknown) => {
          if (signal.aborted && error === signal.reason) return;
          this.fail(new ComponentFailedError(taskLabel(t), error));
        },
      );
    this.taskRuns.push(done);
  }

  /** Names the component in the errors of its start. */
  private async guard(c: ServiceComponent, step: Promise<void>): Promise<void> {
    try {
      await step;
    } catch (error) {
      throw this.failureError ?? new ComponentFailedError(componentLabel(c), error);
    }
  }

  /** Rejects as soon as any component fails, so a start never waits on the rest. */
  private untilFailure<T>(step: Promise<T>): Promise<T> {
    return Promise.race([step, this.failure]);
  }

  private fail(error: ComponentFailedError): void {
    if (this.currentState === 'stopping' && !this.failureError) {
      // A component that fails while stopping (a last commit, a flush) still makes the stop unclean.
      this.stopFailures.push(error);
      return;
    }
    if (this.failureError || this.currentState === 'stopped' || this.currentState === 'failed') return;
    this.failureError = error;
    this.logger.error('component failed; stopping the service', { component: error.component, error: error.message });
    this.failed(error);
    void this.stop();
  }

  private async shutdown(): Promise<void> {
    if (this.currentState === 'idle') {
      this.currentState = 'stopped';
      return;
    }
    const clean = this.failureError === undefined;
    this.currentState = 'stopping';
    this.stopBegun.abort();
    const errors: unknown[] = [];
    const attempt = async (what: Promise<unknown>) => {
      try {
        await what;
      } catch (error) {
        errors.push(error);
      }
    };
    // Tasks use the components (an API sends through the emitters): they end before anything stops.
    await Promise.all(this.taskRuns);
    for (const c of this.components) if (c.kind === 'emitter') await attempt(c.component.finish());
    for (const layer of [...this.layers].reverse()) {
      await Promise.all(layer.map((c) => attempt(c.kind === 'emitter' ? c.component.finish() : c.component.stop())));
    }
    this.abort.abort(); // also ends CPU profiles in progress
    await Promise.all(this.runs.values());
    errors.push(...this.stopFailures);
    if (this.heartbeats) await attempt(this.heartbeats.stop(clean && errors.length === 0));
    if (this.web) await attempt(this.web.close());
    this.metrics?.close();
    if (this.failureError || errors.length > 0) {
      this.currentState = 'failed';
      if (!this.failureError) {
        const first = errors[0];
        this.failureError = first instanceof ComponentFailedError && errors.length === 1
          ? first
          : new ComponentFailedError(`service "${this.config.service}" (stopping)`, new AggregateError(errors, errors.map((e) => (e instanceof Error ? e.message : String(e))).join('; ')));
        this.failed(this.failureError);
      }
    } else this.currentState = 'stopped';
  }
}

/** Resolves once `signal` aborts. */
function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
