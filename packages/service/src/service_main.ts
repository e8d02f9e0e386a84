import { ConfigError, parseServiceConfig, serviceHelp, type ParsedServiceConfig } from './config';
import { Service, type CreateServiceOptions, type ServiceExit } from './service';

/** Options of {@link serviceMain}. */
export interface ServiceMainOptions extends CreateServiceOptions {
  /** Name in the `--help` usage line. Default: the service name. */
  readonly usage?: string;
  /** Where `--help` and failures are printed. Default: stdout / stderr. */
  readonly out?: (line: string) => void;
  readonly err?: (line: string) => void;
  /** Called once every component runs, e.g. to print `service.url`. */
  readonly onRunning?: (service: Service) => void;
  /**
   * Whether to set `process.exitCode` and, after a stop cut short, end the process at once. Default
   * true; false leaves the process alone and only returns the exit, e.g. to run a main inside a test.
   */
  readonly exitProcess?: boolean;
}

/**
 * The `main` of a service process: parses flags (prints `--help`, or the error of a wrong flag with
 * exit code 2; `build` may throw a {@link ConfigError} for its own settings, with the same result),
 * builds the service with `build` (given the values of `extraFlags`; it adds components and tasks),
 * runs it until SIGTERM/SIGINT, a failure or a task's end (see {@link Service.run}) and sets
 * `process.exitCode`: 0 after a clean stop, 1 naming the failing component otherwise. A stop cut short
 * by the grace period exits at once, since something still holds the event loop.
 */
export async function serviceMain(options: ServiceMainOptions, build: (service: Service, extra: ParsedServiceConfig['extra']) => void | Promise<void>): Promise<ServiceExit> {
  const out = options.out ?? ((line: string) => process.stdout.write(line + '\n'));
  const err = options.err ?? ((line: string) => process.stderr.write(line + '\n'));
  let exit: ServiceExit;
  try {
    const parsed = parseServiceConfig(options);
    if (parsed.help) {
      out(serviceHelp(options.usage ?? parsed.config.service, options.extraFlags));
      exit = { code: 0 };
    } else {
      const service = await Service.create(options);
      await build(service, parsed.extra);
      exit = await service.run({ onRunning: options.onRunning });
    }
  } catch (error) {
    exit = { code: error instanceof ConfigError ? 2 : 1, error };
  }
  if (exit.code !== 0) {
    const what = exit.error instanceof Error ? exit.error.message : String(exit.error);
    err(`error: ${what}${exit.forced ? ' (stop cut short)' : ''}`);
  }
  if (options.exitProcess === false) return exit;
  process.exitCode = exit.code;
  if (exit.forced) process.exit(exit.code);
  return exit;
}
