import { formatDuration, formatValue, shortId } from './format';

describe('formatDuration', () => {
  it.each([
    [0, '0.0 s'],
    [1234, '1.2 s'],
    [59_949, '59.9 s'],
    [61_000, '1 min 01 s'],
    [3_599_000, '59 min 59 s'],
    [3_723_000, '1 h 02 min'],
    [-5, '0.0 s'],
  ])('%i ms reads %s', (ms, text) => expect(formatDuration(ms)).toBe(text));
});

describe('formatValue', () => {
  it('shows strings as they are, markup included', () => {
    expect(formatValue('<img src=x onerror=alert(1)>')).toBe('<img src=x onerror=alert(1)>');
  });

  it('shows numbers, booleans, missing values and objects as text', () => {
    expect(formatValue(3)).toBe('3');
    expect(formatValue(false)).toBe('false');
    expect(formatValue(null)).toBe('—');
    expect(formatValue(['a', 1])).toBe('[\n  "a",\n  1\n]');
  });
});

it('shortId is the first 8 characters', () => {
  expect(shortId('0123456789abcdef')).toBe('01234567');
});
