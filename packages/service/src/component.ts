import type { ComponentState, ProcessorStats, ViewStats } from '@goka-ts/api';
import type { Emitter, HeartbeatTopics, Processor, View } from '@goka-ts/core';

/** A processor, view or emitter of a service, behind one shape the service drives. */
export type ServiceComponent =
  | { readonly kind: 'processor'; readonly name: string; readonly component: AnyProcessor }
  | { readonly kind: 'view'; readonly name: string; readonly component: View<unknown> }
  | { readonly kind: 'emitter'; readonly name: string; readonly component: Emitter<unknown> };

// The service never looks at message types, so any processor will do.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyProcessor = Processor<any, any, any, any, any, any, any>;

/** `processor "group"`, `view "table"`, `emitter "topic"`: how reports name a component. */
export function componentLabel(c: Pick<ServiceComponent, 'kind' | 'name'>): string {
  return `${c.kind} "${c.name}"`;
}

export function componentState(c: ServiceComponent): ComponentState {
  return c.component.state;
}

/** The topics of a component by edge kind, from the processor's graph, the view's table or the emitter's topic. */
export function componentTopics(c: ServiceComponent): HeartbeatTopics {
  if (c.kind === 'view') return { inputs: [], outputs: [], table: c.component.table, joins: [], lookups: [] };
  if (c.kind === 'emitter') return { inputs: [], outputs: [c.component.topic], joins: [], lookups: [] };
  const g = c.component.graph;
  return {
    inputs: g.inputs.filter((i) => i.kind === 'input').map((i) => i.topic),
    outputs: [...g.outputs.keys()],
    ...(g.loopTopic === undefined ? {} : { loop: g.loopTopic }),
    ...(g.tableTopic === undefined ? {} : { table: g.tableTopic }),
    joins: [...g.joins.keys()],
    lookups: [...g.lookups.keys()],
  };
}

/** Partitions held and records behind, summed over them (0 for emitters). */
export function componentProgress(c: ServiceComponent): { partitions: number[]; lag: number } {
  if (c.kind === 'emitter') return { partitions: [], lag: 0 };
  if (c.kind === 'view') return viewProgress(c.component.stats());
  return processorProgress(c.component.stats());
}

function tableBehind(t: { recovery: { offset: number; highWatermark: number } }): number {
  // offset is the last applied record, the high watermark the next one to be written.
  return Math.max(0, t.recovery.highWatermark - t.recovery.offset - 1);
}

function viewProgress(s: ViewStats): { partitions: number[]; lag: number } {
  const partitions = Object.keys(s.partitions).map(Number).sort((a, b) => a - b);
  const lag = Object.values(s.partitions).reduce((sum, t) => sum + tableBehind(t), 0);
  return { partitions, lag };
}

function processorProgress(s: ProcessorStats): { partitions: number[]; lag: number } {
  const partitions = Object.keys(s.partitions).map(Number).sort((a, b) => a - b);
  let lag = 0;
  for (const pp of Object.values(s.partitions)) {
    for (const input of Object.values(pp.input)) lag += Math.max(0, input.lag);
    // Until the table is recovered its remaining records are the partition's backlog.
    if (pp.table && pp.table.status !== 'running') lag += tableBehind(pp.table);
  }
  return { partitions, lag };
}
