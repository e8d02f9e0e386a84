import { MessageError, type Codec, type Logger } from '@goka-ts/api';
import { describeError } from './describe_error';
import type { RecordCheck } from '../table/partition_table';

/** What a view does with a table record its codec cannot decode. */
export type TableErrorPolicy = 'fail' | 'skip';

/**
 * A {@link RecordCheck} that decodes every record as it is applied, so a bad one is found with its
 * offset (later, at `get()`, only the key would be known): `'fail'` throws a MessageError naming
 * topic, partition, offset and key, `'skip'` logs the same and drops the record (the key keeps its
 * previous value). `onSkip` counts skipped records.
 */
export function decodableRecords(codec: Codec<unknown>, policy: TableErrorPolicy, logger: Logger, onSkip: () => void): RecordCheck {
  return (record, key) => {
    try {
      codec.decode(record.value!);
      return true;
    } catch (error) {
      const failure = new MessageError(
        { topic: record.topic, partition: record.partition, offset: record.offset },
        `cannot decode the value of key ${JSON.stringify(key)} with codec "${codec.name}": ${describeError(error)}`,
        { cause: error },
      );
      if (policy === 'fail') throw failure;
      logger.warn('skipped a table record that cannot be decoded (onError: skip); the key keeps its previous value', {
        topic: record.topic,
        partition: record.partition,
        offset: record.offset,
        key,
        error: failure.reason,
      });
      onSkip();
      return false;
    }
  };
}

/**
 * The `skipKey` of a partition table under `onError: 'skip'`: logs a record whose key the key codec
 * refused (the record is dropped) and counts it with `onSkip`.
 */
export function skippedKeys(logger: Logger, onSkip: () => void): (failure: MessageError) => void {
  return (failure) => {
    logger.warn('skipped a table record whose key cannot be decoded (onError: skip)', {
      topic: failure.where.topic,
      partition: failure.where.partition,
      offset: failure.where.offset,
      error: failure.reason,
    });
    onSkip();
  };
}
