import { createHash } from 'node:crypto';

/**
 * The frame of every page. Each page is static HTML plus a small script that reads the JSON API and
 * builds the page with DOM calls (`textContent`, never `innerHTML` with data), so keys and values
 * from Kafka cannot inject markup; on top, the Content-Security-Policy lets only the page's own
 * script run, so even a missed escape executes nothing. Pages refresh themselves by polling.
 */

/** A page and the Content-Security-Policy that allows exactly its inline script and style. */
export interface HtmlPage {
  readonly html: string;
  readonly csp: string;
}

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
/** The token the operator entered on the actions page, kept for this tab only. */
function token() { return sessionStorage.getItem('goka-ts-token') || ''; }
async function getJson(url) {
  const res = await fetch(url);
  const body = await res.json();
  if (!res.ok) throw new Error(body.error || res.statusText);
  return body;
}
/** Runs \`fn\` now and every \`ms\` (two seconds); a failure shows in #error until the next success. */
function showError(e) { $('error').textContent = e.message; }
function poll(fn, ms) {
  const run = () => fn().then(() => { $('error').textContent = ''; }, showError);
  run();
  setInterval(run, ms || 2000);
}
`;

/**
 * A page titled `title` with `body` under `heading`, running `script` after the shared client code;
 * `style` adds rules of this page to the shared ones.
 */
export function page(title: string, heading: string, body: string, script: string, style = ''): HtmlPage {
  const code = CLIENT_COMMON + script;
  const css = STYLE + style;
  const csp = [
    "default-src 'none'",
    `script-src '${sha256(code)}'`,
    `style-src '${sha256(css)}'`,
    "connect-src 'self'",
    "img-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>${css}</style></head>
<body><nav><a href="/">Monitor</a><a href="/fleet">Fleet</a><a href="/query">Query</a><a href="/actions">Actions</a></nav>
<main><h1 id="heading">${escapeHtml(heading)}</h1>${body}</main>
<script>${code}</script></body></html>`;
  return { html, csp };
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A string literal safe inside a <script> element (no `</script>` can close it early). */
export function scriptJson(value: string): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

function sha256(text: string): string {
  return `sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}`;
}
