const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;
const BOM = [0xef, 0xbb, 0xbf];

type State = 'fieldStart' | 'unquoted' | 'quoted' | 'quoteInQuoted';

/**
 * Counts the fields of a CSV source's first record from its raw bytes, as they pass, so that a
 * header far wider than CSV_MAX_COLUMNS is refused after its first KiB. csv-parse hands over a
 * record only once all of it is parsed: an 80,000-column header cost 0.3–0.6 s of CPU before
 * its width could be checked.
 *
 * It follows csv-parse as the analysis sets it up (double quotes, `""` inside quotes, a BOM,
 * CR or LF ends a record). Where csv-parse would find the record malformed
 * (a quote inside an unquoted field, text after a closing quote) it stops counting, and the
 * fields counted until then stand: a first line that wide is refused even when malformed.
 * It counts nothing with a multi-byte delimiter or after an empty first line; the parsed
 * record is checked instead.
 */
export class FirstRecordWidth {
  /** Fields of the first record seen so far. */
  fields = 1;
  /** The first record's end was read, so `fields` is its width. */
  ended = false;
  private stopped = false;
  private state: State = 'fieldStart';
  private bomMatched = 0;
  private bomDone = false;
  private readonly delimiter: number;

  constructor(
    delimiter: string,
    readonly limit: number,
  ) {
    const bytes = Buffer.from(delimiter, 'utf8');
    this.delimiter = bytes[0];
    this.stopped = bytes.length !== 1 || [QUOTE, CR, LF].includes(this.delimiter);
  }

  /** The first record has more than `limit` fields. */
  get tooWide(): boolean {
    return this.fields > this.limit;
  }

  /** Whether later bytes can still change `fields`. */
  get counting(): boolean {
    return !this.ended && !this.stopped;
  }

  /** Reads the source's next bytes, up to the first record's end. */
  scan(chunk: Buffer): void {
    for (let i = 0; i < chunk.length && this.counting; i++) {
      const byte = chunk[i];
      if (!this.bomDone) {
        // The parser strips a BOM, so a quote right after it still opens a quoted field.
        if (byte === BOM[this.bomMatched]) {
          if (++this.bomMatched === BOM.length) this.bomDone = true;
          continue;
        }
        this.bomDone = true;
        if (this.bomMatched > 0) this.state = 'unquoted'; // a partial BOM was text
      }
      this.step(byte);
    }
  }

  private step(byte: number): void {
    const newline = byte === CR || byte === LF;
    switch (this.state) {
      case 'fieldStart':
        if (byte === QUOTE) this.state = 'quoted';
        else if (byte === this.delimiter) this.fields++;
        else if (newline) {
          if (this.fields > 1) this.ended = true;
          // An empty line first: the parser skips it, but also takes its line ending for the
          // file's, which this does not follow; the parsed record is checked instead.
          else this.stopped = true;
        } else this.state = 'unquoted';
        return;
      case 'unquoted':
        if (byte === this.delimiter) this.nextField();
        else if (newline) this.ended = true;
        else if (byte === QUOTE) this.stopped = true;
        return;
      case 'quoted':
        if (byte === QUOTE) this.state = 'quoteInQuoted';
        return;
      case 'quoteInQuoted':
        if (byte === QUOTE) this.state = 'quoted';
        else if (byte === this.delimiter) this.nextField();
        else if (newline) this.ended = true;
        else this.stopped = true;
        return;
    }
  }

  private nextField(): void {
    this.fields++;
    this.state = 'fieldStart';
  }
}
