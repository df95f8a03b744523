import { TopValues } from './top-values';

describe('TopValues', () => {
  it('counts exactly while there are fewer distinct values than counters', () => {
    const top = new TopValues();
    for (const value of ['b', 'a', 'b', 'c', 'b', 'a']) top.add(value);
    expect(top.isExact).toBe(true);
    expect(top.top(10)).toEqual([
      { value: 'b', count: 3 },
      { value: 'a', count: 2 },
      { value: 'c', count: 1 },
    ]);
  });

  it('orders ties by value and returns at most n entries', () => {
    const top = new TopValues();
    for (const value of ['delta', 'alpha', 'charlie', 'bravo']) top.add(value);
    expect(top.top(2)).toEqual([
      { value: 'alpha', count: 1 },
      { value: 'bravo', count: 1 },
    ]);
  });

  it('is empty before any value', () => {
    expect(new TopValues().top(5)).toEqual([]);
  });

  it('keeps a frequent value among many rare ones, with a lower bound on its count', () => {
    const top = new TopValues(100);
    let frequent = 0;
    for (let i = 0; i < 20_000; i++) {
      if (i % 10 === 0) {
        top.add('popular');
        frequent++;
      } else {
        top.add(`rare-${i}`);
      }
    }
    expect(top.isExact).toBe(false);
    const [first] = top.top(1);
    expect(first.value).toBe('popular');
    expect(first.count).toBeLessThanOrEqual(frequent);
    // Misra-Gries undercounts by at most n / (capacity + 1).
    expect(first.count).toBeGreaterThanOrEqual(frequent - 20_000 / 101);
  });

  it('finds each value seen more than n / capacity times', () => {
    const top = new TopValues(10);
    for (let i = 0; i < 1000; i++) {
      top.add(i % 4 === 0 ? 'north' : i % 4 === 1 ? 'south' : `unique-${i}`);
    }
    expect(top.top(2).map((entry) => entry.value)).toEqual(['north', 'south']);
  });

  it('tells whether a value was already held', () => {
    const top = new TopValues(2);
    expect([top.add('a'), top.add('a'), top.add('b'), top.add('c'), top.add('a')]).toEqual([
      false,
      true,
      false,
      false,
      true,
    ]);
    // 'c' found the counters full: all went down by one, so 'b' was dropped and 'a' kept.
    expect(top.top(5)).toEqual([{ value: 'a', count: 2 }]);
    expect(top.add('b')).toBe(false);
  });

  it('holds no more than its capacity', () => {
    const top = new TopValues(5);
    for (let i = 0; i < 1000; i++) top.add(`v${i}`);
    expect(top.top(100).length).toBeLessThanOrEqual(5);
  });
});
