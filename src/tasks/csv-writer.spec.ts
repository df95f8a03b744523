import { csvCell, csvLine } from './csv-writer';

describe('csvCell', () => {
  it('leaves plain text and numbers as they are', () => {
    expect(csvCell('a@example.com')).toBe('a@example.com');
    expect(csvCell(42)).toBe('42');
    expect(csvCell(-3)).toBe('-3');
  });

  it('writes null and undefined as an empty cell', () => {
    expect(csvCell(null)).toBe('');
    expect(csvCell(undefined)).toBe('');
  });

  it('quotes commas, quotes and line breaks, doubling quotes', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('550 no\r\nsuch user')).toBe('"550 no\r\nsuch user"');
    expect(csvCell('line\nbreak')).toBe('"line\nbreak"');
  });

  it.each(['=1+1', '+SUM(A1)', '-2+3', '@cmd', '\tx', '\rx'])(
    'prefixes a formula-like text %j with a quote',
    (text) => {
      expect(csvCell(text).replace(/^"/, '').startsWith(`'`)).toBe(true);
    },
  );

  it('quotes a formula-like text that also needs quoting, after prefixing it', () => {
    expect(csvCell('=HYPERLINK("x","y")')).toBe(`"'=HYPERLINK(""x"",""y"")"`);
  });
});

describe('csvLine', () => {
  it('joins cells with commas and ends with CRLF', () => {
    expect(csvLine(['a', 'b,c', null, 7])).toBe('a,"b,c",,7\r\n');
  });
});
