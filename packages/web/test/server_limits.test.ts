import net from 'node:net';
import { DEFAULT_SERVER_LIMITS, serverLimits } from '../src';
import { startMonitored, TOKEN } from './fixture';

/** A raw connection to `port` and when it closed (ms after `start`). */
function connect(port: number, start: number): { socket: net.Socket; closedAfter: Promise<number> } {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => undefined); // a reset is a close too
  socket.resume(); // answers (408) are read and dropped
  const closedAfter = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now() - start)));
  return { socket, closedAfter };
}

/** Writes `chunk` every `everyMs` until the socket closes. */
function trickle(socket: net.Socket, chunk: string, everyMs: number): void {
  const timer = setInterval(() => {
    if (socket.writable) socket.write(chunk);
  }, everyMs);
  socket.once('close', () => clearInterval(timer));
}

describe('server limits', () => {
  it('are checked: positive integers, and a request timeout no shorter than the header timeout', () => {
    expect(serverLimits()).toEqual(DEFAULT_SERVER_LIMITS);
    expect(serverLimits({ maxConnections: 3 })).toEqual({ ...DEFAULT_SERVER_LIMITS, maxConnections: 3 });
    expect(() => serverLimits({ headersTimeoutMs: 0 })).toThrow(/headersTimeoutMs must be a positive integer/);
    expect(() => serverLimits({ maxBodyBytes: 1.5 })).toThrow(/maxBodyBytes/);
    expect(() => serverLimits({ headersTimeoutMs: 2000, requestTimeoutMs: 1000 })).toThrow(/requestTimeoutMs \(1000\) must be at least headersTimeoutMs \(2000\)/);
  });

  it('close 300 slow-loris sockets within the header timeout (slow bodies within the request timeout), then serve again', async () => {
    const headersTimeoutMs = 1000;
    const requestTimeoutMs = 2000;
    const m = await startMonitored(
      (server) => server.addAction('wait', { run: (_value, signal) => new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve())) }),
      { token: TOKEN, limits: { headersTimeoutMs, requestTimeoutMs, maxConnections: 1000 } },
    );
    try {
      const port = Number(new URL(m.base).port);
      const start = Date.now();
      const headerLoris: Promise<number>[] = [];
      const bodyLoris: Promise<number>[] = [];
      for (let i = 0; i < 300; i++) {
        const { socket, closedAfter } = connect(port, start);
        switch (i % 4) {
          case 0: // connects and says nothing
            headerLoris.push(closedAfter);
            break;
          case 1: // half a request line, then silence
            socket.write('GET /api/compo');
            headerLoris.push(closedAfter);
            break;
          case 2: // a header line every 100 ms, never the end of the headers
            socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n');
            trickle(socket, 'X-Slow: yes\r\n', 100);
            headerLoris.push(closedAfter);
            break;
          case 3: // complete headers of a body the server reads, then a byte every 100 ms
            socket.write(`POST /api/actions/wait/start HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"value":"`);
            trickle(socket, 'x', 100);
            bodyLoris.push(closedAfter);
            break;
        }
      }
      const headerClosed = await Promise.all(headerLoris);
      const bodyClosed = await Promise.all(bodyLoris);
      // The timeouts are checked every quarter of the header timeout; the rest is a loaded machine's slack.
      expect(Math.max(...headerClosed)).toBeLessThan(headersTimeoutMs + 1500);
      expect(Math.max(...bodyClosed)).toBeLessThan(requestTimeoutMs + 1500);
      expect(Math.min(...bodyClosed)).toBeGreaterThanOrEqual(headersTimeoutMs); // the body had its own, longer time

      const res = await fetch(`${m.base}/api/components`);
      expect(res.status).toBe(200);
    } finally {
      await m.close();
    }
  });

  it('close connections over the cap at once and keep serving the ones under it', async () => {
    const m = await startMonitored(undefined, { limits: { maxConnections: 10 } });
    try {
      const port = Number(new URL(m.base).port);
      const start = Date.now();
      const sockets = Array.from({ length: 30 }, () => connect(port, start));
      await new Promise((resolve) => setTimeout(resolve, 300));
      const open = sockets.filter(({ socket }) => !socket.destroyed && socket.readyState === 'open');
      expect(open).toHaveLength(10);
      for (const { socket } of open) socket.destroy();
      await Promise.all(open.map((s) => s.closedAfter));
      const res = await fetch(`${m.base}/api/components`);
      expect(res.status).toBe(200);
    } finally {
      await m.close();
    }
  });
});
