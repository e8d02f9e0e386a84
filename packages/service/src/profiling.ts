import { Session } from 'node:inspector';

/** Longest CPU profile one request may ask for, so a request cannot hold the profiler for hours. */
export const MAX_PROFILE_SECONDS = 300;

function post<T>(session: Session, method: string, params?: object): Promise<T> {
  return new Promise((resolve, reject) => {
    session.post(method, params ?? {}, (error, result) => (error ? reject(error) : resolve(result as T)));
  });
}

/**
 * A CPU profile of this process over `seconds` (a `.cpuprofile` JSON, as Chrome DevTools loads it).
 * `signal` ends the profile early (the client went away, the service stops).
 */
export async function cpuProfile(seconds: number, signal?: AbortSignal): Promise<unknown> {
  const session = new Session();
  session.connect();
  try {
    await post(session, 'Profiler.enable');
    await post(session, 'Profiler.start');
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, seconds * 1000);
      function done(): void {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      signal?.addEventListener('abort', done, { once: true });
    });
    const { profile } = await post<{ profile: unknown }>(session, 'Profiler.stop');
    return profile;
  } finally {
    session.disconnect();
  }
}

/** Writes a heap snapshot (a `.heapsnapshot` JSON) chunk by chunk to `write`, so it is never held whole. */
export async function heapSnapshot(write: (chunk: string) => void): Promise<void> {
  const session = new Session();
  session.connect();
  const onChunk = (message: { params: { chunk: string } }) => write(message.params.chunk);
  session.on('HeapProfiler.addHeapSnapshotChunk', onChunk);
  try {
    await post(session, 'HeapProfiler.takeHeapSnapshot', { reportProgress: false });
  } finally {
    session.off('HeapProfiler.addHeapSnapshotChunk', onChunk);
    session.disconnect();
  }
}
