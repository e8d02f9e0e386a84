import { heartbeatCodec, heartbeatKey } from '../src/fleet/fleet_heartbeat';
import type { Heartbeat } from '../src/fleet/fleet_heartbeat';

const beat: Heartbeat = {
  version: 1, service: 'billing', instance: 'host-1:42', kind: 'processor', name: 'ledger',
  topics: { inputs: ['deposits'], outputs: ['receipts'], loop: 'ledger-loop', table: 'ledger-table', joins: [], lookups: ['users-table'] },
  state: 'running', partitions: [0, 2], lag: 7, at: 1_700_000_000_000, intervalMs: 5000,
};

describe('heartbeat format', () => {
  it('round-trips and keys one record per instance and component', () => {
    expect(heartbeatCodec.decode(heartbeatCodec.encode(beat))).toEqual(beat);
    expect(heartbeatKey(beat)).toBe('billing/host-1:42/processor/ledger');
  });

  it('names the field at fault in a record that is not a heartbeat', () => {
    expect(() => heartbeatCodec.decode(Buffer.from(JSON.stringify({ ...beat, version: 2 })))).toThrow(/field "version"/);
    expect(() => heartbeatCodec.decode(Buffer.from(JSON.stringify({ ...beat, kind: 'robot' })))).toThrow(/field "kind"/);
    expect(() => heartbeatCodec.decode(Buffer.from(JSON.stringify({ ...beat, topics: { ...beat.topics, inputs: 'x' } })))).toThrow(/topics.inputs/);
    expect(() => heartbeatCodec.decode(Buffer.from('null'))).toThrow(/\(record\)/);
    expect(() => heartbeatCodec.decode(Buffer.from('{'))).toThrow(SyntaxError);
  });
});
