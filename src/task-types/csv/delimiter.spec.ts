import { detectDelimiter } from './delimiter';

const table = (delimiter: string, rows = 5): string =>
  Array.from({ length: rows }, (_, i) => ['id', 'name', 'amount'].map((c) => `${c}${i}`))
    .map((fields) => fields.join(delimiter))
    .join('\n');

describe('detectDelimiter', () => {
  it.each([',', ';', '\t', '|'])('detects %j', (delimiter) => {
    expect(detectDelimiter(`${table(delimiter)}\n`)).toBe(delimiter);
  });

  it('defaults to a comma when nothing stands out', () => {
    expect(detectDelimiter('just one column\nof words\nand more\n')).toBe(',');
    expect(detectDelimiter('')).toBe(',');
  });

  it('ignores delimiters inside quoted fields', () => {
    const sample = 'id;comment\n1;"a, b, c"\n2;"d, e, f"\n3;"g, h, i"\n';
    expect(detectDelimiter(sample)).toBe(';');
  });

  it('prefers the delimiter that splits lines consistently over a more frequent one', () => {
    const sample = ['a|b', 'x,y,z,w|1', 'p|q', 'r,s|t', 'u|v', ''].join('\n');
    expect(detectDelimiter(sample)).toBe('|');
  });

  it('works on a header and a single row', () => {
    expect(detectDelimiter('a;b;c\n1;2;3')).toBe(';');
  });
});
