import type { Logger } from '@goka-ts/api';

/** Records logger calls for assertions. */
export function recordingLogger(): { lines: { level: string; message: string; fields?: Record<string, unknown> }[] } & Logger {
  const lines: { level: string; message: string; fields?: Record<string, unknown> }[] = [];
  const at = (level: string) => (message: string, fields?: Record<string, unknown>) => void lines.push({ level, message, fields });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
