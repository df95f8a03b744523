import { ColumnStats, ColumnType } from './column-stats';

const typeOf = (values: string[]): ColumnType => {
  const stats = new ColumnStats('c');
  for (const value of values) stats.add(value);
  return stats.type;
};

const filled = (values: string[]): ColumnStats => {
  const stats = new ColumnStats('c');
  for (const value of values) stats.add(value);
  return stats;
};

describe('ColumnStats', () => {
  describe('type', () => {
    it.each<[ColumnType, string[]]>([
      ['integer', ['1', '-2', '+3', '007', '123456789012']],
      ['number', ['1', '2.5', '-0.25', '.5', '3.', '1e3', '-2.5E-2']],
      ['boolean', ['true', 'FALSE', 'Yes', 'no']],
      [
        'date',
        ['2025-01-02', '2025-01-02T03:04', '2025-01-02 03:04:05', '2025-01-02T03:04:05.123Z'],
      ],
      ['date', ['2025-01-02T03:04:05+02:00', '2025-01-02T03:04:05-0530']],
      ['text', ['hello', 'world']],
      ['text', ['1', '2', 'three']],
      ['text', ['true', '2025-01-02']],
      ['text', ['1,5', '2,5']],
      ['text', ['0x1F']],
      ['text', ['Infinity']],
      ['text', ['NaN']],
      ['text', ['1 2']],
      ['empty', ['', '  ', '']],
      ['empty', []],
    ])('is %s for %j', (type, values) => {
      expect(typeOf(values)).toBe(type);
    });

    it('widens from integer to number when a decimal appears later', () => {
      expect(typeOf(['1', '2', '3.5'])).toBe('number');
    });

    it('ignores empty and blank cells when inferring', () => {
      expect(typeOf(['', '1', ' ', '2'])).toBe('integer');
      expect(typeOf(['yes', '', 'no'])).toBe('boolean');
    });

    it('reads numbers and integers as the regular expressions they replaced do', () => {
      const number = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
      const integer = /^[+-]?\d+$/;
      const expected = (value: string): ColumnType =>
        integer.test(value) ? 'integer' : number.test(value) ? 'number' : 'text';
      const samples = ['0', '-0', '+7', '12', '1.', '.5', '-.5', '+1.25', '1e5', '1E+5', '2.5e-3'];
      samples.push('.', '+', '-', '+-1', '1..2', '1.2.3', 'e5', '1e', '1e+', '.e1', 'x1', '1x');
      samples.push('1e5.5', '١٢', '0x10', '1_000', '--1', '.5.', '5e-', '+.5e+05', '1 2');
      const byValue = (type: (value: string) => ColumnType) =>
        Object.fromEntries(samples.map((value) => [value, type(value)]));
      expect(byValue((value) => typeOf([value]))).toEqual(byValue(expected));
    });

    it('prefers integer over boolean for 0 and 1', () => {
      expect(typeOf(['0', '1', '1'])).toBe('integer');
    });
  });

  describe('numeric summary', () => {
    it('gives min, max, sum, mean and the sample standard deviation', () => {
      const stats = filled(['2', '4', '4', '4', '5', '5', '7', '9']);
      const summary = stats.numericSummary();
      expect(summary).not.toBeNull();
      expect(summary?.min).toBe(2);
      expect(summary?.max).toBe(9);
      expect(summary?.sum).toBe(40);
      expect(summary?.mean).toBe(5);
      // Sum of squared deviations is 32; the sample variance divides by n - 1.
      expect(summary?.stddev).toBeCloseTo(Math.sqrt(32 / 7), 12);
    });

    it('trims values before reading them', () => {
      expect(filled([' 1 ', '\t3']).numericSummary()).toMatchObject({ min: 1, max: 3, sum: 4 });
    });

    it('leaves empty cells out of the numbers but counts them as nulls', () => {
      const stats = filled(['10', '', '20']);
      expect(stats.numericSummary()).toMatchObject({ min: 10, max: 20, mean: 15, sum: 30 });
      expect(stats.summary()).toMatchObject({ count: 3, nulls: 1 });
    });

    it('has a standard deviation of 0 for a single value', () => {
      expect(filled(['42']).numericSummary()).toEqual({
        min: 42,
        max: 42,
        mean: 42,
        stddev: 0,
        sum: 42,
      });
    });

    it('stays accurate for large values with a small spread', () => {
      const values = [1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16];
      const summary = filled(values.map(String)).numericSummary();
      expect(summary?.mean).toBeCloseTo(1e9 + 10, 6);
      expect(summary?.stddev).toBeCloseTo(Math.sqrt(90 / 3), 6);
    });

    it('is null for a column that turned out to be text', () => {
      const stats = filled(['1', '2', 'many']);
      expect(stats.isNumeric).toBe(false);
      expect(stats.numericSummary()).toBeNull();
    });

    it('is null for an empty column', () => {
      expect(filled(['', '']).numericSummary()).toBeNull();
    });
  });

  describe('summary', () => {
    it('gives numbers their statistics and no distinct values', () => {
      expect(filled(['1', '2', '2']).summary()).toEqual({
        name: 'c',
        type: 'integer',
        count: 3,
        nulls: 0,
        min: 1,
        max: 2,
        mean: 5 / 3,
        stddev: expect.closeTo(Math.sqrt(1 / 3), 12) as number,
        sum: 5,
      });
    });

    it('gives text the exact distinct count and the five most frequent values', () => {
      const values = ['a', 'b', 'b', 'c', 'c', 'c', 'd', 'e', 'f', 'g', ''];
      expect(filled(values).summary()).toEqual({
        name: 'c',
        type: 'text',
        count: 11,
        nulls: 1,
        distinct: 7,
        distinct_is_estimate: false,
        top_values: [
          { value: 'c', count: 3 },
          { value: 'b', count: 2 },
          { value: 'a', count: 1 },
          { value: 'd', count: 1 },
          { value: 'e', count: 1 },
        ],
      });
    });

    it('gives booleans and dates distinct values too', () => {
      expect(filled(['yes', 'no', 'yes']).summary()).toMatchObject({
        type: 'boolean',
        distinct: 2,
        top_values: [
          { value: 'yes', count: 2 },
          { value: 'no', count: 1 },
        ],
      });
      expect(filled(['2025-01-01', '2025-01-01']).summary()).toMatchObject({
        type: 'date',
        distinct: 1,
      });
    });

    it('counts values after trimming, so padded copies are the same value', () => {
      expect(filled(['x', ' x', 'x ']).summary()).toMatchObject({
        distinct: 1,
        top_values: [{ value: 'x', count: 3 }],
      });
    });

    it('gives an empty column only its counts', () => {
      expect(filled(['', '']).summary()).toEqual({ name: 'c', type: 'empty', count: 2, nulls: 2 });
    });
  });

  describe('values over 1 KiB', () => {
    it('are counted by hash, typed as text and never kept whole', () => {
      const long = 'a'.repeat(2000);
      const stats = filled(['1', long, long, `${long}b`]);
      const summary = stats.summary();
      expect(summary.type).toBe('text');
      expect(summary.distinct).toBe(3);
      const top = summary.top_values ?? [];
      expect(top[0].count).toBe(2);
      expect(top[0].value).toMatch(/^a{100}… \(2,000 characters, sha256 [0-9a-f]{16}\)$/);
      expect(top.every(({ value }) => value.length < 200)).toBe(true);
    });

    it('keeps a digit string over 1 KiB out of the numeric statistics', () => {
      const summary = filled(['1', '9'.repeat(1500)]).summary();
      expect(summary.type).toBe('text');
      expect(summary.sum).toBeUndefined();
    });
  });

  it('shows a long name cut short', () => {
    expect(new ColumnStats('x'.repeat(300)).name).toBe(`${'x'.repeat(100)}… (300 characters)`);
  });
});
