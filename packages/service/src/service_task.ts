/**
 * What a task does: work of the application beside the service's components, e.g. an HTTP API of
 * its own or a one-shot job. `signal` aborts when the service begins to stop.
 *
 * Resolving while the service runs ends the service with a clean stop (the job is done); a task that
 * should last as long as the service awaits `signal`, cleans up and resolves. Rejecting fails the
 * service naming the task, unless it rejects with `signal.reason` after the abort, which counts as a
 * clean end.
 */
export type ServiceTaskRun = (signal: AbortSignal) => Promise<void>;

/** A task added with `Service.task`. */
export interface ServiceTask {
  readonly name: string;
  readonly run: ServiceTaskRun;
}

/** `task "api"`: how reports name a task, like `processor "group"` for components. */
export function taskLabel(task: Pick<ServiceTask, 'name'>): string {
  return `task "${task.name}"`;
}
