import { parse } from 'csv-parse/sync';
import { FirstRecordWidth } from './first-record-width';

/** The width counted from `text`, fed in pieces of `size` bytes. */
const widthOf = (text: string | Buffer, delimiter = ',', size = Infinity): FirstRecordWidth => {
  const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8');
  const width = new FirstRecordWidth(delimiter, 1_000_000);
  const step = Number.isFinite(size) ? size : bytes.length || 1;
  for (let start = 0; start < bytes.length; start += step) {
    width.scan(bytes.subarray(start, start + step));
  }
  return width;
};

/** csv-parse's first record, with the options the analysis gives it; later rows may differ. */
const parsedFirstRecord = (text: string | Buffer, delimiter = ','): string[] => {
  const options = { delimiter, bom: true, skip_empty_lines: true, relax_column_count: true };
  const records: string[][] = parse(text, options);
  return records[0];
};

describe('FirstRecordWidth', () => {
  const wellFormed: [string, string][] = [
    ['a plain header', 'id,name,amount\n1,x,2\n'],
    ['a CRLF header', 'id,name\r\n1,x\r\n'],
    ['a CR-only header', 'id,name,x\r1,2,3\r'],
    ['empty fields', ',,a,,\n'],
    ['a delimiter and newlines inside quotes', '"a,b","line\nbreak\r\n",c\n1,2,3\n'],
    ['doubled quotes inside quotes', '"say ""hi"", then go",b\n'],
    ['a quoted field at the end of a line', 'a,"b,c"\r\nx,y\r\n'],
    ['a BOM before a quoted field', '\uFEFF"a,b",c,d\n'],
    ['an empty quoted field', '"",x\n'],
    ['non-ASCII text', 'naïve,café,日本語\n'],
  ];

  it.each(wellFormed)('counts %s as csv-parse splits it', (_name, text) => {
    const width = widthOf(text);
    expect(width.ended).toBe(true);
    expect(width.fields).toBe(parsedFirstRecord(text).length);
  });

  it.each(wellFormed)('gives the same count for %s fed one byte at a time', (_name, text) => {
    const width = widthOf(text, ',', 1);
    expect(width.ended).toBe(true);
    expect(width.fields).toBe(parsedFirstRecord(text).length);
  });

  it('counts with the delimiter it was given', () => {
    const text = 'a;b;"c;d";e\n';
    expect(widthOf(text, ';').fields).toBe(parsedFirstRecord(text, ';').length);
    expect(widthOf('a\tb\tc\n', '\t').fields).toBe(3);
    expect(widthOf('a|b,c|d\n', '|').fields).toBe(3);
  });

  it('keeps counting until the record ends, across pieces', () => {
    const width = new FirstRecordWidth(',', 1_000_000);
    width.scan(Buffer.from('a,b,"c,'));
    expect(width.counting).toBe(true);
    expect(width.fields).toBe(3);
    width.scan(Buffer.from('d",e\nf,g,h,i,j\n'));
    expect(width.ended).toBe(true);
    expect(width.fields).toBe(4);
  });

  it('is too wide once it has more fields than the limit, before the record ends', () => {
    const width = new FirstRecordWidth(',', 3);
    width.scan(Buffer.from('a,b,c'));
    expect(width.tooWide).toBe(false);
    width.scan(Buffer.from(',d,e'));
    expect(width.tooWide).toBe(true);
    expect(width.ended).toBe(false);
  });

  it('stops counting where csv-parse would find the record malformed', () => {
    const strayQuote = widthOf('a,b"c,d,e\n');
    expect(strayQuote.counting).toBe(false);
    expect(strayQuote.ended).toBe(false);
    expect(strayQuote.fields).toBe(2);
    const afterClosingQuote = widthOf('"a"x,b,c\n');
    expect(afterClosingQuote.counting).toBe(false);
    expect(afterClosingQuote.fields).toBe(1);
    expect(() => parse('a,b"c,d,e\n')).toThrow();
    expect(() => parse('"a"x,b,c\n')).toThrow();
  });

  it('takes a partial BOM for text, as csv-parse does', () => {
    const text = Buffer.concat([Buffer.from([0xef, 0xbb]), Buffer.from('x,y\n')]);
    expect(widthOf(text).fields).toBe(2);
    expect(widthOf(text).fields).toBe(parsedFirstRecord(text).length);
  });

  it('counts nothing after an empty first line, whose ending csv-parse takes for the file', () => {
    const width = widthOf('\r\nh1,h2,h3\r\n');
    expect(width.counting).toBe(false);
    expect(width.fields).toBe(1);
    // With \n taken from the first line, the \r lines that follow are records of one field.
    expect(parsedFirstRecord('\n\r\nh1,h2,h3\n')).toEqual(['\r']);
  });

  it('counts nothing for a delimiter of more than one byte', () => {
    const width = widthOf('a§b§c\n', '§');
    expect(width.counting).toBe(false);
    expect(width.fields).toBe(1);
    expect(width.tooWide).toBe(false);
  });
});
