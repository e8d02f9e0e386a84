import { UsageError } from './usage_error';

type Values = Readonly<Record<string, string | boolean | undefined>>;

/** An integer flag: `undefined` when absent, a {@link UsageError} when not an integer >= `min`. */
export function integerFlag(values: Values, name: string, command: string, min: number): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (typeof raw !== 'string' || !/^-?\d+$/.test(raw) || !Number.isSafeInteger(n) || n < min) {
    throw new UsageError(`--${name} must be an integer >= ${min}, got "${String(raw)}"`, command);
  }
  return n;
}

/** A flag whose value is one of `choices`; `fallback` when absent. */
export function choiceFlag<T extends string>(values: Values, name: string, command: string, choices: readonly T[], fallback: T): T {
  const raw = values[name];
  if (raw === undefined) return fallback;
  if (typeof raw !== 'string' || !(choices as readonly string[]).includes(raw)) {
    throw new UsageError(`--${name} must be one of ${choices.join(', ')}, got "${String(raw)}"`, command);
  }
  return raw as T;
}
