/**
 * Loads an optional package: the adapters and storages are optional peer dependencies, so an app on
 * kafkajs never builds confluent's native librdkafka. A missing one says what to install and, with
 * `nextTo`, next to which package (the one the user installed, whose peer it is).
 *
 * @param name - the package, e.g. `@goka-ts/confluent`
 * @param why - what asked for it, for the message, e.g. `--client confluent`
 * @param nextTo - the package whose optional peer it is, e.g. `@goka-ts/cli`
 */
export async function loadOptional<T>(name: string, why: string, nextTo?: string): Promise<T> {
  try {
    return (await import(name)) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' && String((error as Error).message).includes(name)) {
      const where = nextTo ? `: install it next to ${nextTo}` : '';
      throw new Error(`${why} needs the package ${name}${where} (npm install ${name})`, { cause: error });
    }
    throw error;
  }
}
