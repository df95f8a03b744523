import { sniffType } from './sniff-type';

const bytes = (...values: number[]): Buffer => Buffer.from(values);
const ascii = (text: string): Buffer => Buffer.from(text, 'latin1');

describe('sniffType', () => {
  it.each([
    ['JPEG', bytes(0xff, 0xd8, 0xff, 0xe0, 0, 0x10), 'image/jpeg'],
    ['PNG', bytes(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0), 'image/png'],
    ['GIF87a', ascii('GIF87a\u0001\u0000'), 'image/gif'],
    ['GIF89a', ascii('GIF89a\u0001\u0000'), 'image/gif'],
    ['WebP', ascii('RIFF\u0000\u0000\u0000\u0000WEBPVP8 '), 'image/webp'],
    ['TIFF (little-endian)', bytes(0x49, 0x49, 0x2a, 0x00, 8, 0), 'image/tiff'],
    ['TIFF (big-endian)', bytes(0x4d, 0x4d, 0x00, 0x2a, 0, 8), 'image/tiff'],
    ['AVIF', ascii('\u0000\u0000\u0000\u001cftypavif'), 'image/avif'],
  ])('recognises %s by its magic bytes', (_label, head, contentType) => {
    expect(sniffType(head)).toEqual({ kind: 'image', contentType });
  });

  it('takes UTF-8 text as CSV, even when the sample ends inside a character', () => {
    expect(sniffType(Buffer.from('name,city\nZoë,Zürich\n'))).toEqual({
      kind: 'csv',
      contentType: 'text/csv',
    });
    const cut = Buffer.from('a,b\nü', 'utf8').subarray(0, -1);
    expect(sniffType(cut)?.kind).toBe('csv');
  });

  it('refuses binary data, text with a NUL byte, invalid UTF-8 and nothing at all', () => {
    expect(sniffType(bytes(0x50, 0x4b, 0x03, 0x04, 0x14, 0x00))).toBeNull();
    expect(sniffType(Buffer.from('a,b\u0000c'))).toBeNull();
    expect(sniffType(bytes(0x61, 0xff, 0xfe, 0x62))).toBeNull();
    expect(sniffType(Buffer.alloc(0))).toBeNull();
  });

  it('ignores an AVIF-looking box of another brand', () => {
    expect(sniffType(ascii('\u0000\u0000\u0000\u001cftypmp42'))).toBeNull();
  });
});
