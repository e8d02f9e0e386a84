/** The monitor's pages: the index, a page per processor and per view, query and actions (see {@link page}). */
import { page, scriptJson, type HtmlPage } from './page_shell';

export function indexPage(title: string): HtmlPage {
  return page(title, title, '<h2>Processors</h2><div id="processors"></div><h2>Views</h2><div id="views"></div><p id="error" class="error"></p>', `
poll(async () => {
  const c = await getJson('/api/components');
  $('processors').replaceChildren(table(['group', 'state', 'partitions'], c.processors.map((p) =>
    [el('a', p.group, { href: '/processors/' + encodeURIComponent(p.group) }), state(p.state), p.partitions])));
  $('views').replaceChildren(table(['table', 'state', 'partitions'], c.views.map((v) =>
    [el('a', v.table, { href: '/views/' + encodeURIComponent(v.table) }), state(v.state), v.partitions])));
});`);
}

/** One processor: its state and, per partition, table recovery and input / output counters. */
export function processorPage(title: string, group: string): HtmlPage {
  return page(`${group} - ${title}`, `Processor ${group}`, '<p>State: <span id="state"></span></p><div id="partitions"></div><p id="error" class="error"></p>', `
const group = ${scriptJson(group)};
poll(async () => {
  const s = await getJson('/api/processors/' + encodeURIComponent(group));
  $('state').replaceChildren(state(s.state));
  const rows = [];
  for (const [partition, p] of Object.entries(s.partitions)) {
    const t = p.table;
    const tableCells = t ? [t.status, t.recovery.offset + ' / ' + t.recovery.highWatermark, t.writes] : ['-', '-', '-'];
    const inputs = Object.entries(p.input);
    if (inputs.length === 0) inputs.push(['-', { count: 0, lag: 0, delayMs: 0 }]);
    for (const [topic, i] of inputs) rows.push([partition, topic, i.count, i.lag, i.delayMs, ...tableCells]);
  }
  $('partitions').replaceChildren(table(['partition', 'input', 'messages', 'lag', 'delay (ms)', 'table', 'table offset / hwm at recovery', 'writes'], rows));
});`);
}

/** One view: its state and the recovery of every partition. */
export function viewPage(title: string, tableName: string): HtmlPage {
  return page(`${tableName} - ${title}`, `View ${tableName}`, '<p>State: <span id="state"></span></p><div id="partitions"></div><p id="error" class="error"></p>', `
const name = ${scriptJson(tableName)};
poll(async () => {
  const s = await getJson('/api/views/' + encodeURIComponent(name));
  $('state').replaceChildren(state(s.state));
  $('partitions').replaceChildren(table(['partition', 'status', 'offset / hwm', 'records recovered', 'stalled'],
    Object.entries(s.partitions).map(([p, t]) => [p, state(t.status), t.recovery.offset + ' / ' + t.recovery.highWatermark, t.recovery.records, t.stalled ? 'yes' : 'no'])));
});`);
}

/** Look a key (text, or its bytes in hex) up in any view, or in a processor's table (for keys of the partitions it owns). */
export function queryPage(title: string): HtmlPage {
  return page(`Query - ${title}`, 'Query', `
<form id="form"><label>Table <select id="source"></select></label>
<label>Key <input id="key" required></label> <label><input id="hex" type="checkbox"> hex bytes</label> <button id="lookup" type="submit">Look up</button></form>
<pre id="result"></pre><p id="error" class="error"></p>`, `
(async () => {
  const c = await getJson('/api/components');
  const options = [...c.views.map((v) => ['view:' + v.table, 'view ' + v.table]), ...c.processors.filter((p) => p.queryable).map((p) => ['processor:' + p.group, 'processor ' + p.group])];
  $('source').replaceChildren(...options.map(([value, label]) => el('option', label, { value })));
})();
$('form').addEventListener('submit', async (event) => {
  event.preventDefault();
  $('result').textContent = '';
  $('error').textContent = '';
  try {
    const r = await getJson('/api/query?source=' + encodeURIComponent($('source').value) + ($('hex').checked ? '&keyHex=' : '&key=') + encodeURIComponent($('key').value));
    $('result').textContent = r.found ? JSON.stringify(r.value, null, 2) : 'not found';
  } catch (e) { $('error').textContent = e.message; }
});`);
}

/** Start (with a value) and stop the registered actions. */
export function actionsPage(title: string): HtmlPage {
  return page(`Actions - ${title}`, 'Actions', `
<form id="token-form"><label>Token <input id="token" type="password" autocomplete="off"></label> <button type="submit">Use</button>
<span id="token-state"></span></form>
<div id="actions"></div><p id="error" class="error"></p>`, `
// The token travels in a header, which another site's page cannot add to a request without a CORS
// preflight the monitor never grants; the server also refuses cross-site requests outright.
const tokenState = () => { $('token-state').textContent = token() ? 'token set for this tab' : 'no token: actions will be refused'; };
$('token-form').addEventListener('submit', (event) => {
  event.preventDefault();
  sessionStorage.setItem('goka-ts-token', $('token').value);
  $('token').value = '';
  tokenState();
});
tokenState();
async function post(url, body) {
  const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + token() }, body: JSON.stringify(body || {}) });
  if (!res.ok) throw new Error((await res.json()).error || res.statusText);
}
const inputs = new Map();
async function refresh() {
  const actions = await getJson('/api/actions');
  $('actions').replaceChildren(table(['action', 'description', 'state', 'value', 'started', 'ended', 'error', ''], actions.map((a) => {
    let input = inputs.get(a.name);
    if (!input) { input = el('input', undefined, { 'aria-label': 'value for ' + a.name, 'data-action': a.name }); inputs.set(a.name, input); }
    const controls = el('span');
    const start = el('button', 'Start', { 'data-start': a.name });
    start.onclick = () => post('/api/actions/' + encodeURIComponent(a.name) + '/start', { value: input.value }).then(refresh).catch(showError);
    const stop = el('button', 'Stop', { 'data-stop': a.name });
    stop.onclick = () => post('/api/actions/' + encodeURIComponent(a.name) + '/stop').then(refresh).catch(showError);
    controls.append(input, start, stop);
    return [a.name, a.description, el('span', a.state, { class: 'state-' + a.state, 'data-state': a.name }), a.value ?? '', a.startedAt ?? '', a.endedAt ?? '', a.error ?? '', controls];
  })));
}
poll(refresh);`);
}
