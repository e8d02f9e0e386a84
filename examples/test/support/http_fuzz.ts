import net from 'node:net';

/**
 * A bounded, seeded HTTP fuzzer over raw TCP: malformed request targets, headers and bodies that a
 * `fetch` could not send. Case `i` of seed `s` is always the same bytes ({@link fuzzCase}), so a
 * failure names what to replay.
 */

/** mulberry32: small, fast and deterministic; quality is not the point here. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What a surface is fuzzed against: where its handlers are, so mutations reach them. */
export interface FuzzSurface {
  /** `host:port` the server answers to, sent as `Host` in most cases. */
  readonly host: string;
  /** Request targets the server routes (with query strings where it reads them). */
  readonly paths: readonly string[];
  /** Targets that read a request body, used by the body cases. */
  readonly bodyPaths: readonly string[];
  /** Headers a body case sends besides the fuzzed ones (e.g. a token, so the body is read). */
  readonly bodyHeaders?: Readonly<Record<string, string>>;
}

/** Targets that broke our servers before (issue 22) and their close relatives. */
export const KNOWN_BAD_TARGETS = [
  '//%', '////', '//[', '//x:99999/', '//api/components', '//%zz', '//[::1', '//a:b@c/', '/%', '/%%', '/%zz', '/?%', '/?a=%',
  '*', 'http://127.0.0.1/', 'https://x:99999/', '//', '///', '/..', '/../..', '/%2e%2e/%2e%2e', '/%00', '/%ff', '/%c0%af', '/\\', '/\\\\x',
  'localhost:80', '@', '?', '#', '/#', '/a?b#c', '/%E0%A4%A',
];

const TARGET_NOISE = ['%', '%%', '%0', '%zz', '%00', '%ff', '%e2%82', '/', '//', '[', ']', ':', ':99999', '@', '?', '&', '=', '#', '\\', '..', '.', ';', "'", '"', '<', '>', '{', '}', '|', '^', '`', '~', 'é', '€', '\u{1F600}', '\u0000', '\u007f', '\t', ' ', '\r', '\n', 'x'.repeat(2000)];

const METHODS = ['GET', 'GET', 'GET', 'POST', 'POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH', 'CONNECT', 'TRACE', 'FOO', 'get', ''];

const HEADER_NOISE: readonly (readonly [string, string])[] = [
  ['Host', ''], ['Host', '['], ['Host', '[::1'], ['Host', 'a:b:c'], ['Host', '127.0.0.1:99999'], ['Host', '%'], ['Host', 'localhost/evil'], ['Host', 'user@127.0.0.1'], ['Host', 'h'.repeat(5000)],
  ['Origin', 'null'], ['Origin', '%'], ['Origin', 'http://['], ['Origin', 'http://127.0.0.1:x'], ['Origin', '://'], ['Origin', 'file:///etc'], ['Origin', 'http://127.0.0.1:1'], ['Origin', 'http://%zz'],
  ['Content-Length', '-1'], ['Content-Length', 'abc'], ['Content-Length', '1e3'], ['Content-Length', '99999999999999999999'], ['Content-Length', '1, 2'], ['Content-Length', ''],
  ['Transfer-Encoding', 'chunked'], ['Transfer-Encoding', 'gzip'], ['Transfer-Encoding', 'chunked, chunked'], ['Transfer-Encoding', 'identity'],
  ['Content-Type', 'application/json'], ['Content-Type', 'application/json; charset=utf-16'], ['Content-Type', '%'], ['Content-Type', 'text/html'],
  ['Authorization', 'Bearer'], ['Authorization', 'Bearer '], ['Authorization', 'Bearer \u00ff\u00fe'], ['Authorization', 'Basic %%%'], ['X-Goka-Token', ''], ['X-Goka-Token', 'short'],
  ['Sec-Fetch-Site', 'cross-site'], ['Sec-Fetch-Site', ''], ['Expect', '100-continue'], ['Expect', 'nonsense'], ['Connection', 'upgrade'], ['Upgrade', 'websocket'], ['Connection', 'keep-alive'],
  ['X-Caf\u00e9', 'v'], ['X-Value', 'caf\u00e9'], ['X-Empty', ''], ['', 'no name'], ['X Space', 'v'], ['X-Fold', 'a\r\n folded'], ['X-Long', 'v'.repeat(20_000)],
];

const BODY_NOISE = [
  '', '{', '}', '{"value":', '{"value":"x"}', '{"value":3}', '{"value":{}}', '[]', 'null', 'true', '"str"', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{}}}',
  '{"from":"a","to":"b","content":"c"}', '{"from":"","to":"","content":""}', '{"user":"x"}', '{"user":"x","unblock":"yes"}', '{"word":"w","translation":null}',
  '\u0000', '\u00ff\u00fe', '\ud800', `{"value":"${'x'.repeat(70_000)}"}`, '['.repeat(20_000), '{"a":'.repeat(5_000), '1'.repeat(400),
];

function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)];
}

function mutateTarget(rand: () => number, path: string): string {
  let target = path;
  const mutations = 1 + Math.floor(rand() * 4);
  for (let m = 0; m < mutations; m++) {
    const at = Math.floor(rand() * (target.length + 1));
    switch (Math.floor(rand() * 6)) {
      case 0:
      case 1:
        target = target.slice(0, at) + pick(rand, TARGET_NOISE) + target.slice(at);
        break;
      case 2:
        target = target.slice(0, at) + target.slice(at + 1 + Math.floor(rand() * 5));
        break;
      case 3:
        target = pick(rand, ['//', '///', '//x:99999', '//[', 'http://h', '\\\\', '/%2f']) + target;
        break;
      case 4:
        target = target.slice(0, at) + target.slice(at) + target.slice(at);
        break;
      default:
        target = pick(rand, KNOWN_BAD_TARGETS) + target.slice(at);
    }
  }
  return target;
}

function request(method: string, target: string, headers: readonly (readonly [string, string])[], body = ''): string {
  return `${method} ${target} HTTP/1.1\r\n${headers.map(([name, value]) => `${name}: ${value}\r\n`).join('')}\r\n${body}`;
}

/** The bytes of case `index` of `seed` against `surface`: one request, or two pipelined. */
export function fuzzCase(surface: FuzzSurface, seed: number, index: number): Buffer {
  const rand = random(seed * 1_000_003 + index);
  const host: [string, string] = ['Host', surface.host];
  const close: [string, string] = ['Connection', 'close'];
  const kind = Math.floor(rand() * 5);
  let text: string;
  if (kind === 0) {
    // A malformed target on a routed path.
    text = request(pick(rand, METHODS), mutateTarget(rand, pick(rand, surface.paths)), [host, close]);
  } else if (kind === 1) {
    // Routed targets with malformed headers.
    const headers: (readonly [string, string])[] = [host];
    for (let n = 1 + Math.floor(rand() * 4); n > 0; n--) headers.push(pick(rand, HEADER_NOISE));
    if (rand() < 0.2) headers.splice(0, 1); // no Host at all
    text = request(pick(rand, METHODS), pick(rand, surface.paths), [...headers, close]);
  } else if (kind === 2) {
    // Bodies, declared right, wrong or chunked, to the handlers that read them.
    const body = pick(rand, BODY_NOISE);
    const headers: (readonly [string, string])[] = [host, ['Content-Type', rand() < 0.8 ? 'application/json' : pick(rand, ['text/plain', '', 'application/jsonx'])]];
    for (const [name, value] of Object.entries(surface.bodyHeaders ?? {})) headers.push([name, value]);
    const length = Buffer.byteLength(body);
    const framing = Math.floor(rand() * 4);
    let sent = body;
    if (framing === 0) headers.push(['Content-Length', String(length)]);
    else if (framing === 1) headers.push(['Content-Length', String(Math.max(0, length + Math.floor(rand() * 20) - 10))]);
    else if (framing === 2) {
      headers.push(['Transfer-Encoding', 'chunked']);
      sent = `${length.toString(16)}\r\n${body}\r\n0\r\n\r\n`;
    } else {
      headers.push(['Transfer-Encoding', 'chunked']);
      sent = `${pick(rand, ['zz', '-1', 'ffffffffffffffff', '5;ext=' + 'e'.repeat(20_000), ''])}\r\n${body}\r\n`;
    }
    text = request(pick(rand, ['POST', 'POST', 'PUT']), pick(rand, surface.bodyPaths), [...headers, close], sent);
  } else if (kind === 3) {
    // A broken request line or framing.
    text = pick(rand, [
      `GET ${pick(rand, surface.paths)}\r\n\r\n`,
      `GET ${pick(rand, surface.paths)} HTTP/9.9\r\nHost: ${surface.host}\r\n\r\n`,
      `GET ${pick(rand, surface.paths)} HTTP/1.1\nHost: ${surface.host}\n\n`,
      `GET  ${pick(rand, surface.paths)}  HTTP/1.1\r\nHost: ${surface.host}\r\n\r\n`,
      `${pick(rand, surface.paths)}\r\n\r\n`,
      'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n',
      '\r\n\r\n\r\n',
      Array.from({ length: 1 + Math.floor(rand() * 200) }, () => String.fromCharCode(Math.floor(rand() * 256))).join(''),
      request('GET', pick(rand, surface.paths), [host, ...Array.from({ length: 200 }, (_, i) => [`X-H${i}`, 'v'] as const), close]),
    ]);
  } else {
    // Two pipelined requests: a malformed one, then one the server serves.
    text = request(pick(rand, METHODS), mutateTarget(rand, pick(rand, surface.paths)), [host]) + request('GET', pick(rand, surface.paths), [host, close]);
  }
  return Buffer.from(text, rand() < 0.5 ? 'utf8' : 'latin1');
}

/** The statuses a server answered to `bytes` (none when it closed without answering). */
export function sendRaw(port: number, bytes: Buffer, timeoutMs: number): Promise<{ statuses: number[]; timedOut: boolean }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      socket.destroy();
    }, timeoutMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => undefined); // a reset after a refused request is an answer too
    socket.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      const statuses = [...text.matchAll(/HTTP\/1\.[01] (\d{3}) /g)].map((m) => Number(m[1]));
      resolve({ statuses, timedOut });
    });
    // Half-closing after the request makes a short body end the request instead of hanging on it.
    socket.end(bytes);
  });
}

/** One case the server answered with a 5xx, or did not answer in time. */
export interface FuzzFailure {
  readonly seed: number;
  readonly index: number;
  readonly request: string;
  readonly statuses: readonly number[];
  readonly timedOut: boolean;
}

/** Sends cases `0..count-1` of `seed`, `concurrency` at a time; returns the answer counts and the failures. */
export async function fuzz(port: number, surface: FuzzSurface, options: { seed: number; count: number; concurrency?: number; timeoutMs?: number }) {
  const failures: FuzzFailure[] = [];
  const statusCounts = new Map<number, number>();
  let unanswered = 0;
  let next = 0;
  const worker = async () => {
    while (next < options.count) {
      const index = next++;
      const bytes = fuzzCase(surface, options.seed, index);
      const { statuses, timedOut } = await sendRaw(port, bytes, options.timeoutMs ?? 10_000);
      for (const status of statuses) statusCounts.set(status, (statusCounts.get(status) ?? 0) + 1);
      if (statuses.length === 0) unanswered++;
      if (timedOut || statuses.some((s) => s >= 500)) {
        failures.push({ seed: options.seed, index, request: JSON.stringify(bytes.toString('latin1').slice(0, 300)), statuses, timedOut });
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 8 }, worker));
  return { failures, statusCounts: Object.fromEntries([...statusCounts].sort((a, b) => a[0] - b[0])), unanswered };
}
