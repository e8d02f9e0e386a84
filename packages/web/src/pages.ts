/**
 * The monitor's HTML pages. Each is static HTML plus a small script that reads the JSON API and
 * builds the page with DOM calls (`textContent`, never `innerHTML` with data), so keys and values
 * from Kafka cannot inject markup. Pages refresh themselves every two seconds.
 */

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #222; }
nav { background: #243447; padding: 8px 16px; }
nav a { color: #fff; margin-right: 16px; text-decoration: none; }
main { padding: 16px; }
table { border-collapse: collapse; margin: 8px 0 16px; }
th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: left; }
th { background: #f3f3f3; }
.state-running { color: #1a7f37; } .state-failed { color: #cf222e; } .state-recovering { color: #9a6700; }
pre { background: #f6f8fa; padding: 8px; }
.error { color: #cf222e; }
`;

/** Code shared by every page's script. */
const CLIENT_COMMON = `
const $ = (id) => document.getElementById(id);
function el(tag, text, attrs) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = String(text);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  return e;
}
function table(headers, rows) {
  const t = el('table');
  const head = el('tr');
  for (const h of headers) head.appendChild(el('th', h));
  t.appendChild(head);
  for (const row of rows) {
    const tr = el('tr');
    for (const cell of row) tr.appendChild(cell instanceof Node ? wrap(cell) : el('td', cell));
    t.appendChild(tr);
  }
  return t;
}
function wrap(node) { const td = el('td'); td.appendChild(node); return td; }
function state(s) { return el('span', s, { class: 'state-' + s }); }
async function getJson(url) {
  const res = await fetch(url);
  const body = await res.json();
  if (!res.ok) throw new Error(body.error || res.statusText);
  return body;
}
/** Runs \`fn\` now and every two seconds; a failure shows in #error until the next success. */
function showError(e) { $('error').textContent = e.message; }
function poll(fn) {
  const run = () => fn().then(() => { $('error').textContent = ''; }, showError);
  run();
  setInterval(run, 2000);
}
`;

function page(title: string, heading: string, body: string, script: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><nav><a href="/">Monitor</a><a href="/query">Query</a><a href="/actions">Actions</a></nav>
<main><h1 id="heading">${escapeHtml(heading)}</h1>${body}</main>
<script>${CLIENT_COMMON}${script}</script></body></html>`;
}

export function indexPage(title: string): string {
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
export function processorPage(title: string, group: string): string {
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
export function viewPage(title: string, tableName: string): string {
  return page(`${tableName} - ${title}`, `View ${tableName}`, '<p>State: <span id="state"></span></p><div id="partitions"></div><p id="error" class="error"></p>', `
const name = ${scriptJson(tableName)};
poll(async () => {
  const s = await getJson('/api/views/' + encodeURIComponent(name));
  $('state').replaceChildren(state(s.state));
  $('partitions').replaceChildren(table(['partition', 'status', 'offset / hwm', 'records recovered', 'stalled'],
    Object.entries(s.partitions).map(([p, t]) => [p, state(t.status), t.recovery.offset + ' / ' + t.recovery.highWatermark, t.recovery.records, t.stalled ? 'yes' : 'no'])));
});`);
}

/** Look a key up in any view, or in a processor's table (for keys of the partitions it owns). */
export function queryPage(title: string): string {
  return page(`Query - ${title}`, 'Query', `
<form id="form"><label>Table <select id="source"></select></label>
<label>Key <input id="key" required></label> <button id="lookup" type="submit">Look up</button></form>
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
    const r = await getJson('/api/query?source=' + encodeURIComponent($('source').value) + '&key=' + encodeURIComponent($('key').value));
    $('result').textContent = r.found ? JSON.stringify(r.value, null, 2) : 'not found';
  } catch (e) { $('error').textContent = e.message; }
});`);
}

/** Start (with a value) and stop the registered actions. */
export function actionsPage(title: string): string {
  return page(`Actions - ${title}`, 'Actions', '<div id="actions"></div><p id="error" class="error"></p>', `
async function post(url, body) {
  const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body || {}) });
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

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A string literal safe inside a <script> element (no `</script>` can close it early). */
function scriptJson(value: string): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}
