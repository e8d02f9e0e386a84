import { GokaError, UnknownTopicError } from '@goka-ts/api';
import { brokerRequest, type BrokerTarget } from './broker_request';

const DESCRIBE_CONFIGS = 32;
const INCREMENTAL_ALTER_CONFIGS = 44;
const RESOURCE_TOPIC = 2;
const OP_SET = 0;
const UNKNOWN_TOPIC_OR_PARTITION = 3;

function check(topic: string, errorCode: number, errorMessage: string | null, what: string): void {
  if (errorCode === 0) return;
  if (errorCode === UNKNOWN_TOPIC_OR_PARTITION) throw new UnknownTopicError(topic, { detail: what });
  throw new GokaError(`${what} for topic "${topic}" failed: Kafka error ${errorCode}${errorMessage ? ` (${errorMessage})` : ''}`);
}

/** Effective configs of a topic (DescribeConfigs v1), including broker defaults; sensitive values are left out. */
export async function describeTopicConfigs(target: BrokerTarget, topic: string): Promise<Record<string, string>> {
  const r = await brokerRequest(target, DESCRIBE_CONFIGS, 1, (w) => {
    w.array([topic], (name) => {
      w.int8(RESOURCE_TOPIC).string(name).array(null, () => undefined);
    });
    w.bool(false);
  });
  r.int32(); // throttle_time_ms
  const results = r.array(() => {
    const errorCode = r.int16();
    const errorMessage = r.string();
    r.int8(); // resource_type
    const name = r.string();
    const configs = r.array(() => {
      const key = r.string()!;
      const value = r.string();
      r.bool(); // read_only
      r.int8(); // config_source
      const sensitive = r.bool();
      r.array(() => [r.string(), r.string(), r.int8()]); // synonyms
      return { key, value, sensitive };
    });
    return { errorCode, errorMessage, name, configs };
  });
  const result = results.find((x) => x.name === topic);
  if (!result) throw new GokaError(`describing configs of topic "${topic}": the broker's answer does not name it`);
  check(topic, result.errorCode, result.errorMessage, 'describing configs');
  const out: Record<string, string> = {};
  for (const c of result.configs) if (c.value !== null && !c.sensitive) out[c.key] = c.value;
  return out;
}

/** Sets the given configs of a topic, leaving all others as they are (IncrementalAlterConfigs v0). */
export async function alterTopicConfigs(target: BrokerTarget, topic: string, config: Readonly<Record<string, string>>): Promise<void> {
  const entries = Object.entries(config);
  if (entries.length === 0) return;
  const r = await brokerRequest(target, INCREMENTAL_ALTER_CONFIGS, 0, (w) => {
    w.array([topic], (name) => {
      w.int8(RESOURCE_TOPIC).string(name);
      w.array(entries, ([key, value]) => {
        w.string(key).int8(OP_SET).string(value);
      });
    });
    w.bool(false);
  });
  r.int32(); // throttle_time_ms
  const results = r.array(() => ({ errorCode: r.int16(), errorMessage: r.string(), type: r.int8(), name: r.string() }));
  const result = results.find((x) => x.name === topic);
  if (!result) throw new GokaError(`altering configs of topic "${topic}": the broker's answer does not name it`);
  check(topic, result.errorCode, result.errorMessage, 'altering configs');
}
