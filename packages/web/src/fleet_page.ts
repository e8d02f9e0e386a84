/** The fleet page: the global graph of every service that sends heartbeats, drawn in SVG. */
import { page, type HtmlPage } from './page_shell';

const FLEET_STYLE = `
#graph { border: 1px solid #ccc; background: #fcfcfc; }
#graph .component rect { fill: #eef3f8; stroke: #243447; }
#graph .topic rect { fill: #fff8e6; stroke: #9a6700; }
#graph .title { font-weight: bold; }
#graph text { font: 12px system-ui, sans-serif; fill: #222; }
#graph text.stale { fill: #cf222e; font-style: italic; }
#graph .component.has-stale rect { stroke: #cf222e; stroke-dasharray: 4 2; }
#graph .edge { fill: none; stroke: #555; stroke-width: 1.5; }
#graph .edge-output, #graph .edge-table { stroke: #1a7f37; }
#graph .edge-loop { stroke: #8250df; }
#graph .edge-join, #graph .edge-lookup { stroke: #0969da; stroke-dasharray: 5 3; }
#graph text.edge-label { fill: #555; font-size: 10px; }
tr.stale td { color: #cf222e; font-style: italic; }
`;

/**
 * Polls `/api/fleet` and redraws: component boxes (kind, name, service and a line per instance with
 * state, partitions and lag; stale instances in red and marked "stale"), topic boxes, and an edge per
 * input, output, loop, table, join and lookup. The same instances are listed in a table below.
 */
export function fleetPage(title: string): HtmlPage {
  return page(`Fleet - ${title}`, 'Fleet', `
<p>Heartbeats from <code id="topic"></code>: reader <span id="reader-state"></span> <span id="reader-error" class="error"></span></p>
<p id="summary"></p>
<p>Undecodable records skipped: <span id="skipped">0</span></p>
<svg id="graph" xmlns="http://www.w3.org/2000/svg" width="400" height="100" role="img" aria-label="fleet graph"></svg>
<h2>Instances</h2><div id="instances"></div><p id="error" class="error"></p>`, `
const SVG = 'http://www.w3.org/2000/svg';
const COLUMN = 290, WIDTH = 230, TOPIC_HEIGHT = 30, LINE = 16, GAP = 26, MARGIN = 20;
function svg(tag, attrs, text) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = String(text);
  return e;
}
function instanceLine(i) {
  return i.instance + ': ' + i.state + ', partitions [' + i.partitions.join(',') + '], lag ' + i.lag + (i.stale ? ' (stale)' : '');
}
function draw(f) {
  const graph = $('graph');
  const boxes = new Map();
  const bottom = new Map();
  for (const n of f.nodes) {
    const p = f.layout[n.id];
    const h = n.type === 'topic' ? TOPIC_HEIGHT : 2 * LINE + 12 + LINE * n.instances.length;
    const y = bottom.get(p.column) ?? MARGIN;
    bottom.set(p.column, y + h + GAP);
    boxes.set(n.id, { x: MARGIN + p.column * COLUMN, y, h });
  }
  const arrow = svg('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 8, markerHeight: 8, orient: 'auto-start-reverse' });
  arrow.appendChild(svg('path', { d: 'M 0 0 L 10 5 L 0 10 z', fill: '#555' }));
  const defs = svg('defs');
  defs.appendChild(arrow);
  const children = [defs];
  for (const e of f.edges) {
    const a = boxes.get(e.from), b = boxes.get(e.to);
    if (!a || !b) continue;
    const x1 = a.x + WIDTH, y1 = a.y + a.h / 2, x2 = b.x, y2 = b.y + b.h / 2;
    // An edge back to an earlier column (a loop topic read again) bends below the boxes.
    const bend = x2 > x1 ? (x2 - x1) / 2 : 80;
    const d = 'M ' + x1 + ' ' + y1 + ' C ' + (x1 + bend) + ' ' + y1 + ', ' + (x2 - bend) + ' ' + (y2 + (x2 > x1 ? 0 : 40)) + ', ' + x2 + ' ' + y2;
    const g = svg('g', { 'data-edge': e.kind, 'data-from': e.from, 'data-to': e.to });
    g.appendChild(svg('path', { d, class: 'edge edge-' + e.kind, 'marker-end': 'url(#arrow)' }));
    g.appendChild(svg('text', { x: (x1 + x2) / 2, y: (y1 + y2) / 2 - 4, class: 'edge-label', 'text-anchor': 'middle' }, e.kind));
    children.push(g);
  }
  for (const n of f.nodes) {
    const box = boxes.get(n.id);
    const stale = n.type === 'component' && n.instances.some((i) => i.stale);
    const g = svg('g', { class: n.type + (stale ? ' has-stale' : ''), 'data-node': n.id });
    g.appendChild(svg('rect', { x: box.x, y: box.y, width: WIDTH, height: box.h, rx: 4 }));
    if (n.type === 'topic') {
      g.appendChild(svg('text', { x: box.x + 8, y: box.y + 19, class: 'title' }, n.name));
    } else {
      g.appendChild(svg('text', { x: box.x + 8, y: box.y + LINE + 2, class: 'title' }, n.kind + ' ' + n.name));
      g.appendChild(svg('text', { x: box.x + 8, y: box.y + 2 * LINE + 4 }, 'service ' + n.service + ', lag ' + n.lag));
      n.instances.forEach((i, k) => {
        const line = svg('text', { x: box.x + 14, y: box.y + 3 * LINE + 6 + k * LINE, 'data-instance': i.instance, 'data-stale': i.stale, class: i.stale ? 'stale' : 'instance' }, instanceLine(i));
        line.appendChild(svg('title', {}, 'last heartbeat ' + Math.round(i.ageMs / 1000) + ' s ago'));
        g.appendChild(line);
      });
    }
    children.push(g);
  }
  graph.replaceChildren(...children);
  const columns = [...bottom.keys()];
  graph.setAttribute('width', String(Math.max(400, 2 * MARGIN + (columns.length ? Math.max(...columns) : 0) * COLUMN + WIDTH)));
  graph.setAttribute('height', String(Math.max(100, ...bottom.values())));
}
poll(async () => {
  const f = await getJson('/api/fleet');
  $('topic').textContent = f.reader.topic;
  $('reader-state').replaceChildren(state(f.reader.state));
  $('reader-error').textContent = f.reader.error || '';
  $('skipped').textContent = String(f.reader.skippedRecords);
  const components = f.nodes.filter((n) => n.type === 'component');
  const instances = components.flatMap((n) => n.instances.map((i) => ({ n, i })));
  $('summary').textContent = components.length + ' components, ' + instances.length + ' instances, ' + instances.filter((x) => x.i.stale).length + ' stale';
  draw(f);
  const t = table(['service', 'component', 'instance', 'state', 'partitions', 'lag', 'last heartbeat (s ago)', 'stale'],
    instances.map(({ n, i }) => [n.service, n.kind + ' ' + n.name, i.instance, state(i.state), i.partitions.join(', '), i.lag, Math.round(i.ageMs / 1000), i.stale ? 'stale' : '']));
  instances.forEach(({ i }, k) => { if (i.stale) t.rows[k + 1].classList.add('stale'); });
  $('instances').replaceChildren(t);
});`, FLEET_STYLE);
}
