import http from 'node:http';
import { closeServer, createJsonServer, HttpError, listen, readJsonBody } from '../src/http';

describe('createJsonServer and readJsonBody', () => {
  let server: http.Server;
  let base: string;
  const received: unknown[] = [];

  beforeAll(async () => {
    server = createJsonServer(async (req, url) => {
      if (url.pathname === '/boom') throw new Error('kaput');
      if (url.pathname === '/teapot') throw new HttpError(418, 'short and stout');
      const body = await readJsonBody(req, 64);
      received.push(body);
      return { status: 200, body: { got: body } };
    });
    base = `http://127.0.0.1:${await listen(server, 0)}`;
  });
  afterAll(() => closeServer(server));
  beforeEach(() => (received.length = 0));

  const post = (path: string, body: string | Buffer, type = 'application/json') =>
    fetch(base + path, { method: 'POST', headers: { 'Content-Type': type }, body });

  it('parses a JSON body', async () => {
    const response = await post('/', '{"a":1}');
    expect(response.status).toBe(200);
    await expect(response.json()).resolves.toEqual({ got: { a: 1 } });
  });

  it('answers invalid JSON with 400 and a message', async () => {
    const response = await post('/', '{"a":');
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toMatch(/not valid JSON/);
    expect(received).toEqual([]);
  });

  it('answers an empty body with 400', async () => {
    const response = await post('/', '');
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toMatch(/empty/);
  });

  it('answers another content type with 415', async () => {
    const response = await post('/', 'a=1', 'application/x-www-form-urlencoded');
    expect(response.status).toBe(415);
    expect(((await response.json()) as { error: string }).error).toMatch(/application\/json/);
  });

  it('answers a body over the limit with 413, by declared length', async () => {
    const response = await post('/', JSON.stringify({ text: 'x'.repeat(100) }));
    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: string }).error).toMatch(/exceeds the limit of 64 bytes/);
    expect(received).toEqual([]);
  });

  it('answers a chunked body over the limit with 413 while it is still being sent', async () => {
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(`${base}/`, { method: 'POST', headers: { 'Content-Type': 'application/json' } }, (res) => {
        let text = '';
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => {
          req.destroy();
          resolve({ status: res.statusCode ?? 0, body: text });
        });
      });
      req.on('error', reject);
      req.write('{"text":"' + 'x'.repeat(100)); // no Content-Length: chunked
    });
    expect(status).toBe(413);
    expect(JSON.parse(body).error).toMatch(/exceeds the limit/);
  });

  it('answers HttpErrors with their status and other errors with 500', async () => {
    const teapot = await fetch(`${base}/teapot`);
    expect(teapot.status).toBe(418);
    await expect(teapot.json()).resolves.toEqual({ error: 'short and stout' });
    const boom = await fetch(`${base}/boom`);
    expect(boom.status).toBe(500);
    expect(((await boom.json()) as { error: string }).error).toMatch(/kaput/);
  });
});
