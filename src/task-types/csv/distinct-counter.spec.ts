import { DistinctCounter, EXACT_DISTINCT_LIMIT } from './distinct-counter';

const fill = (counter: DistinctCounter, count: number, make: (i: number) => string): void => {
  for (let i = 0; i < count; i++) counter.add(make(i));
};

describe('DistinctCounter', () => {
  it('counts nothing at first', () => {
    const counter = new DistinctCounter();
    expect(counter.count()).toBe(0);
    expect(counter.isEstimate).toBe(false);
  });

  it('counts exactly, ignoring repeats, below 10,000 distinct values', () => {
    expect(EXACT_DISTINCT_LIMIT).toBe(10_000);
    const counter = new DistinctCounter();
    for (let round = 0; round < 3; round++) fill(counter, 9_999, (i) => `value-${i}`);
    expect(counter.count()).toBe(9_999);
    expect(counter.isEstimate).toBe(false);
  });

  it('is still exact at 10,000 distinct values', () => {
    const counter = new DistinctCounter();
    fill(counter, 10_000, (i) => `value-${i}`);
    expect(counter.count()).toBe(10_000);
    expect(counter.isEstimate).toBe(false);
  });

  it('tells apart values that differ only in case or in spacing', () => {
    const counter = new DistinctCounter();
    for (const value of ['a', 'A', 'a ', ' a', 'a']) counter.add(value);
    expect(counter.count()).toBe(4);
  });

  it.each([
    ['words', 200_000, (i: number) => `customer-${i}`],
    ['e-mail addresses', 120_000, (i: number) => `user${i}@example.com`],
    ['decimals', 120_000, (i: number) => (i * 0.37).toFixed(2)],
  ])('estimates %s above the exact limit within 5%%', (_, count, make) => {
    const counter = new DistinctCounter();
    fill(counter, count, make);
    expect(counter.isEstimate).toBe(true);
    expect(Math.abs(counter.count() - count) / count).toBeLessThan(0.05);
  });

  it('does not grow its estimate when values repeat', () => {
    const counter = new DistinctCounter();
    fill(counter, 80_000, (i) => `id-${i}`);
    const once = counter.count();
    fill(counter, 80_000, (i) => `id-${i}`);
    expect(counter.count()).toBe(once);
    expect(Math.abs(once - 80_000) / 80_000).toBeLessThan(0.05);
  });

  it('keeps its count when it switches to the estimate', () => {
    const counter = new DistinctCounter();
    fill(counter, 10_001, (i) => `row ${i}`);
    expect(counter.isEstimate).toBe(true);
    expect(Math.abs(counter.count() - 10_001) / 10_001).toBeLessThan(0.05);
  });
});
