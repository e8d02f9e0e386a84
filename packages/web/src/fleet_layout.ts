import type { FleetGraph } from './fleet_graph';

/** Where the fleet page draws a node: columns left to right in data-flow order, rows top down. */
export interface FleetPosition {
  readonly column: number;
  readonly row: number;
}

/**
 * Columns by longest path from the sources (topics nobody writes, emitters), so data flows left to
 * right: an input topic, the processor reading it, its output topic, the next processor. A loop
 * topic sits right of its processor (the edge that reads it back is left out), and the edges that
 * close a cycle between groups are left out too (found by depth-first search from the sources), so
 * the rest is acyclic.
 */
export function layoutFleet(graph: FleetGraph): Record<string, FleetPosition> {
  const ids = graph.nodes.map((n) => n.id);
  const out = new Map<string, string[]>(ids.map((id) => [id, []]));
  const hasIncoming = new Set<string>();
  for (const e of graph.edges) {
    if (e.kind === 'loop' && e.from.startsWith('topic/')) continue;
    if (!out.has(e.from) || !out.has(e.to)) continue;
    out.get(e.from)!.push(e.to);
    hasIncoming.add(e.to);
  }
  // Depth-first from the sources first, then from whatever a cycle left unvisited.
  const finished: string[] = [];
  const visit = new Map<string, 'open' | 'done'>();
  const kept = new Map<string, string[]>(ids.map((id) => [id, []]));
  const dfs = (root: string) => {
    const stack: { id: string; next: number }[] = [{ id: root, next: 0 }];
    visit.set(root, 'open');
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const targets = out.get(top.id)!;
      if (top.next === targets.length) {
        visit.set(top.id, 'done');
        finished.push(top.id);
        stack.pop();
        continue;
      }
      const to = targets[top.next++];
      const seen = visit.get(to);
      if (seen === 'open') continue; // closes a cycle
      kept.get(top.id)!.push(to);
      if (seen === undefined) {
        visit.set(to, 'open');
        stack.push({ id: to, next: 0 });
      }
    }
  };
  for (const id of ids) if (!hasIncoming.has(id) && !visit.has(id)) dfs(id);
  for (const id of ids) if (!visit.has(id)) dfs(id);
  const column = new Map(ids.map((id) => [id, 0]));
  for (const id of finished.reverse()) {
    for (const to of kept.get(id)!) column.set(to, Math.max(column.get(to)!, column.get(id)! + 1));
  }
  const rows = new Map<number, number>();
  const positions: Record<string, FleetPosition> = {};
  // Node order (components by id, then topics by name) keeps rows stable between polls.
  for (const id of ids) {
    const c = column.get(id)!;
    const row = rows.get(c) ?? 0;
    rows.set(c, row + 1);
    positions[id] = { column: c, row };
  }
  return positions;
}
