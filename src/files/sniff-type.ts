import { FileKind } from '../database/stored-file.entity';

export interface SniffedType {
  kind: FileKind;
  contentType: string;
}

/** How many leading bytes `sniffType` wants to see. */
export const SNIFF_BYTES = 8192;

const startsWith = (head: Buffer, bytes: number[], offset = 0): boolean =>
  bytes.every((byte, i) => head[offset + i] === byte);
const ascii = (head: Buffer, start: number, end: number): string =>
  head.toString('latin1', start, end);

const AVIF_BRANDS = new Set(['avif', 'avis']);

/** Image formats by their magic bytes; the name and the client's content type are ignored. */
function sniffImage(head: Buffer): string | null {
  if (startsWith(head, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (ascii(head, 0, 6) === 'GIF87a' || ascii(head, 0, 6) === 'GIF89a') return 'image/gif';
  if (ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 12) === 'WEBP') return 'image/webp';
  if (startsWith(head, [0x49, 0x49, 0x2a, 0x00]) || startsWith(head, [0x4d, 0x4d, 0x00, 0x2a])) {
    return 'image/tiff';
  }
  if (ascii(head, 4, 8) === 'ftyp' && AVIF_BRANDS.has(ascii(head, 8, 12))) return 'image/avif';
  return null;
}

/** UTF-8 text without NUL bytes; a multi-byte character cut by the end of `head` is fine. */
function isUtf8Text(head: Buffer): boolean {
  if (head.includes(0)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true });
    return true;
  } catch {
    return false;
  }
}

/**
 * Decides what an upload is from its first bytes: one of the supported image formats, or
 * UTF-8 text taken as CSV. Anything else is null (refused).
 */
export function sniffType(head: Buffer): SniffedType | null {
  const image = sniffImage(head);
  if (image) return { kind: 'image', contentType: image };
  if (head.length > 0 && isUtf8Text(head)) return { kind: 'csv', contentType: 'text/csv' };
  return null;
}
