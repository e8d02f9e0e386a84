import { componentLabel, componentTopics, type ServiceComponent } from './component';

/**
 * Start layers of a service's processors and views: each layer starts once the one before it runs.
 * A processor waits for the views of the service whose tables it reads (input, join or lookup), and
 * a view waits for the processor of the service that writes its table, since only processors create
 * table topics. Emitters are left out: they start after everything else and stop first.
 * @throws {Error} naming the components of a dependency cycle.
 */
export function startLayers(components: readonly ServiceComponent[]): ServiceComponent[][] {
  const runnable = components.filter((c) => c.kind !== 'emitter');
  const needs = new Map<ServiceComponent, ServiceComponent[]>();
  for (const c of runnable) {
    const t = componentTopics(c);
    if (c.kind === 'processor') {
      const reads = new Set([...t.inputs, ...t.joins, ...t.lookups]);
      needs.set(c, runnable.filter((o) => o.kind === 'view' && reads.has(o.name)));
    } else {
      needs.set(c, runnable.filter((o) => o.kind === 'processor' && writes(o, c.name)));
    }
  }
  const layers: ServiceComponent[][] = [];
  const placed = new Set<ServiceComponent>();
  while (placed.size < runnable.length) {
    const layer = runnable.filter((c) => !placed.has(c) && needs.get(c)!.every((d) => placed.has(d)));
    if (layer.length === 0) {
      const left = runnable.filter((c) => !placed.has(c)).map(componentLabel).join(', ');
      throw new Error(`service: the start order has a cycle among ${left} (a view of a table its reader's processor writes)`);
    }
    for (const c of layer) placed.add(c);
    layers.push(layer);
  }
  return layers;
}

function writes(processor: ServiceComponent, topic: string): boolean {
  const t = componentTopics(processor);
  return t.table === topic || t.outputs.includes(topic);
}
