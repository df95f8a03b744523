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

  it('reads CRLF lines and skips a byte-order mark', () => {
    expect(detectDelimiter('\uFEFFa|b|c\r\n1|2|3\r\n4|5|6\r\n')).toBe('|');
  });

  it('counts code points beyond the BMP as ordinary characters', () => {
    expect(detectDelimiter('name\tnote\n😀\t"a;b"\n🎉\tc;d;e\n✓\tf\n')).toBe('\t');
  });

  it('looks at the first 50 lines only, blank ones included', () => {
    const head = `${table(';', 30)}\n${'\n'.repeat(20)}`;
    expect(detectDelimiter(`${head}${table('|', 200)}\n`)).toBe(';');
    // Past line 50 the pipes alone would win: shown by the same rows without the semicolons.
    expect(detectDelimiter(`${table('|', 200)}\n`)).toBe('|');
  });

  it('breaks a tie between two counts of one delimiter by the count seen first', () => {
    // Commas: 2 and 3 per line, two lines each, so their score takes 2; semicolons 3 on two
    // lines, which scores higher than 2 and level with 3. The last line is taken as cut short.
    const sample = ['a,b,c', 'a,b,c,d', 'a,b,c,d;;;', 'a,b,c;;;', 'cut'].join('\n');
    expect(detectDelimiter(sample)).toBe(';');
  });
});
