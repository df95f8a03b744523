import { comparePositions, formatPosition, parsePosition } from './event-position';

describe('event positions', () => {
  it('reads back the SSE id it writes', () => {
    const position = { entryId: '1764790000000-12', index: 3 };
    expect(formatPosition(position)).toBe('1764790000000-12/3');
    expect(parsePosition(formatPosition(position))).toEqual(position);
  });

  it.each(['', '17', 'abc', '1-2', '1-2/', '1-2/x', '-1-2/0', '1-2/3/4', '1'.repeat(30) + '-0/0'])(
    'takes %p for no position, not for an error',
    (text) => {
      expect(parsePosition(text)).toBeUndefined();
    },
  );

  it('orders by time, then sequence, then index, with ids past 2^53', () => {
    const sorted = [
      '1764790000000-0/0',
      '1764790000000-0/7',
      '1764790000000-1/0',
      '1764790000001-0/0',
      '18446744073709551614-0/0',
      '18446744073709551615-0/0',
    ].map((id) => parsePosition(id)!);
    for (let i = 1; i < sorted.length; i++) {
      expect(comparePositions(sorted[i - 1], sorted[i])).toBeLessThan(0);
      expect(comparePositions(sorted[i], sorted[i - 1])).toBeGreaterThan(0);
    }
    expect(comparePositions(sorted[2], { ...sorted[2] })).toBe(0);
  });
});
