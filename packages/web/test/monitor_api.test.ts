import { startMonitored, TOKEN } from './fixture';

type Monitored = Awaited<ReturnType<typeof startMonitored>>;

describe('MonitorServer JSON API', () => {
  let m: Monitored;
  let released: (() => void) | undefined;
  beforeAll(async () => {
    m = await startMonitored((server) =>
      server
        .addAction('wait', {
          description: 'runs until stopped',
          run: (_value, signal) => new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true })),
        })
        .addAction('finish', { run: () => new Promise<void>((resolve) => (released = resolve)) })
        .addAction('boom', { run: (value) => Promise.reject(new Error(`cannot ${value}`)) }),
    );
  });
  afterAll(() => m?.close());

  const get = async (path: string) => {
    const res = await fetch(m.base + path);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const post = async (path: string, body?: string) => {
    const res = await fetch(m.base + path, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKEN}` }, body });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('lists the components and serves their stats', async () => {
    expect((await get('/api/components')).body).toEqual({
      processors: [{ group: 'clicks', state: 'running', partitions: 3, queryable: true }],
      views: [{ table: 'clicks-table', state: 'running', partitions: 3 }],
    });
    const stats = (await get('/api/processors/clicks')).body as { partitions: Record<string, { input: Record<string, { count: number }> }> };
    expect(Object.values(stats.partitions).reduce((n, p) => n + (p.input.clicks?.count ?? 0), 0)).toBe(4);
    expect((await get('/api/views/clicks-table')).body).toMatchObject({ table: 'clicks-table', state: 'running' });
  });

  it('looks keys up in views and in the processor table', async () => {
    expect((await get('/api/query?source=view:clicks-table&key=ann')).body).toEqual({ found: true, value: 3 });
    expect((await get('/api/query?source=processor:clicks&key=ben')).body).toEqual({ found: true, value: 1 });
    expect((await get('/api/query?source=view:clicks-table&key=nobody')).body).toEqual({ found: false });
  });

  it('answers bad requests with a 4xx and a message', async () => {
    expect(await get('/api/query?key=ann')).toMatchObject({ status: 400, body: { error: expect.stringContaining('"source"') } });
    expect(await get('/api/query?source=view:clicks-table')).toMatchObject({ status: 400, body: { error: expect.stringContaining('"key"') } });
    expect(await get('/api/query?source=table:x&key=a')).toMatchObject({ status: 400 });
    expect(await get('/api/query?source=view:nope&key=a')).toMatchObject({ status: 404, body: { error: 'no view of table "nope"' } });
    expect(await get('/api/processors/nope')).toMatchObject({ status: 404 });
    expect(await get('/api/nothing')).toMatchObject({ status: 404 });
    expect(await get('/processors/%E0%A4%A')).toMatchObject({ status: 400 });
    expect(await post('/api/components')).toMatchObject({ status: 405 });
    expect((await fetch(m.base + '/no/such/page')).status).toBe(404);
    expect(await post('/api/actions/nope/start', '{}')).toMatchObject({ status: 404 });
    expect(await post('/api/actions/wait/start', '{oops')).toMatchObject({ status: 400 });
    expect(await post('/api/actions/wait/start', '{"value": 3}')).toMatchObject({ status: 400, body: { error: '"value" must be a string, got number' } });
    expect(await post('/api/actions/wait/start', JSON.stringify({ value: 'x'.repeat(70_000) }))).toMatchObject({ status: 413 });
    expect((await get('/api/actions')).body).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'wait', state: 'idle' })]));
  });

  it('starts actions with a value, refuses a second start, stops them, and reports how they ended', async () => {
    expect(await post('/api/actions/wait/start', '{"value":"v1"}')).toMatchObject({ status: 200, body: { state: 'running', value: 'v1' } });
    expect(await post('/api/actions/wait/start', '{}')).toMatchObject({ status: 409 });
    expect(await post('/api/actions/wait/stop')).toMatchObject({ status: 200, body: { state: 'stopped', value: 'v1' } });

    expect(await post('/api/actions/finish/start')).toMatchObject({ body: { state: 'running', value: '' } });
    released!();
    await new Promise((resolve) => setImmediate(resolve));
    const actions = (await get('/api/actions')).body as unknown as Array<{ name: string; state: string; error?: string }>;
    expect(actions.find((a) => a.name === 'finish')).toMatchObject({ state: 'done' });

    await post('/api/actions/boom/start', '{"value":"explode"}');
    await new Promise((resolve) => setImmediate(resolve));
    const after = (await get('/api/actions')).body as unknown as Array<{ name: string; state: string; error?: string }>;
    expect(after.find((a) => a.name === 'boom')).toMatchObject({ state: 'failed', error: 'cannot explode' });
  });

  it('a processor that stopped answers queries with 409 and says why', async () => {
    await m.processor.stop();
    const r = await get('/api/query?source=processor:clicks&key=ann');
    expect(r.status).toBe(409);
    expect(String(r.body.error)).toMatch(/processor "clicks"/);
  });
});
