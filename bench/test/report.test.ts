import { formatTable, median, metCell } from '../src/report';

describe('median', () => {
  it('takes the middle value, or the mean of the two middle ones', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
  });
});

describe('formatTable', () => {
  it('compares medians and says whether the target is met', () => {
    const table = formatTable([
      { benchmark: 'processor', adapter: 'a', goka: [100, 300, 200], raw: [400, 400, 400], target: 0.5 },
      { benchmark: 'recovery', adapter: 'b', goka: [1000], raw: [1500], target: 0.5 },
    ]);
    const [header, rule, first, second] = table.split('\n');
    expect(header).toMatch(/\| benchmark +\| adapter \| +goka msgs\/s \| +raw msgs\/s \| ratio \| target +\| met \|/);
    expect(rule).toMatch(/^\|-+\|/);
    expect(first).toContain('200 (best 300)');
    expect(first).toMatch(/\| +0\.50 \| >= 0\.5 \| yes \|$/);
    expect(second).toContain('1,000');
    expect(second).toMatch(/\| +0\.67 \| >= 0\.5 \| yes \|$/);
    expect(formatTable([{ benchmark: 'x', adapter: 'a', goka: [1], raw: [3], target: 0.5 }])).toMatch(/0\.33 \| >= 0\.5 \| NO/);
  });
});

describe('metCell', () => {
  it('says yes, or no with the targets missed', () => {
    expect(metCell([])).toBe('yes');
    expect(metCell(['RSS'])).toBe('no (RSS)');
    expect(metCell(['RSS', 'rate'])).toBe('no (RSS, rate)');
  });
});
