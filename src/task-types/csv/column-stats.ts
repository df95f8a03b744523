import { DistinctCounter } from './distinct-counter';
import { digestForm, MAX_KEPT_VALUE_CHARS, shownForm } from './long-values';
import { TopValues } from './top-values';

export type ColumnType = 'integer' | 'number' | 'boolean' | 'date' | 'text' | 'empty';

const NOT_A_NUMBER = 0;
const INTEGER = 1;
const DECIMAL = 2;
const BOOLEAN = /^(true|false|yes|no)$/i;
const DATE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

const isDigit = (code: number): boolean => code >= 48 && code <= 57;

/**
 * What `/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/` and `/^[+-]?\d+$/` would say of `value`, in
 * one pass: these run on every cell of a numeric column.
 */
function numberKind(value: string): number {
  const length = value.length;
  let i = 0;
  let code = value.charCodeAt(0);
  if (code === 43 || code === 45) i++; // + or -
  const integerStart = i;
  while (i < length && isDigit(value.charCodeAt(i))) i++;
  let digits = i - integerStart;
  if (i === length) return digits > 0 ? INTEGER : NOT_A_NUMBER;
  if (value.charCodeAt(i) === 46) {
    const fractionStart = ++i; // after the .
    while (i < length && isDigit(value.charCodeAt(i))) i++;
    digits += i - fractionStart;
  }
  if (digits === 0) return NOT_A_NUMBER;
  if (i === length) return DECIMAL;
  code = value.charCodeAt(i);
  if (code !== 101 && code !== 69) return NOT_A_NUMBER; // e or E
  i++;
  code = value.charCodeAt(i);
  if (code === 43 || code === 45) i++;
  const exponentStart = i;
  while (i < length && isDigit(value.charCodeAt(i))) i++;
  return i === length && i > exponentStart ? DECIMAL : NOT_A_NUMBER;
}

export interface NumericSummary {
  min: number;
  max: number;
  mean: number;
  stddev: number;
  sum: number;
}

export interface ColumnSummary extends Partial<NumericSummary> {
  name: string;
  type: ColumnType;
  count: number;
  nulls: number;
  distinct?: number;
  distinct_is_estimate?: boolean;
  top_values?: { value: string; count: number }[];
}

/**
 * Accumulates one column in constant memory: its narrowest type that fits every non-empty
 * value, numeric moments (Welford), distinct count and most frequent values. Values over
 * MAX_KEPT_VALUE_CHARS are counted by hash; long names and top values are shown cut short.
 */
export class ColumnStats {
  readonly name: string;
  private count = 0;
  private nulls = 0;
  private allInteger = true;
  private allNumber = true;
  private allBoolean = true;
  private allDate = true;
  private numbers = 0;
  private sum = 0;
  private mean = 0;
  private m2 = 0;
  private min = Infinity;
  private max = -Infinity;
  private readonly distinct = new DistinctCounter();
  private readonly topValues = new TopValues();

  constructor(name: string) {
    this.name = shownForm(name);
  }

  add(raw: string): void {
    const value = raw.trim();
    this.count++;
    if (value === '') {
      this.nulls++;
      return;
    }
    if (value.length > MAX_KEPT_VALUE_CHARS) {
      this.addLongValue(value);
      return;
    }
    // A value TopValues still holds was seen before: it is already in the distinct count and
    // the type flags already allow it, so repeats (most cells of most columns) skip both.
    if (!this.topValues.add(value)) {
      this.distinct.add(value);
      this.inferType(value);
    }
    if (this.allNumber) this.addNumber(Number(value));
  }

  get type(): ColumnType {
    if (this.count === this.nulls) return 'empty';
    if (this.allInteger) return 'integer';
    if (this.allNumber) return 'number';
    if (this.allBoolean) return 'boolean';
    if (this.allDate) return 'date';
    return 'text';
  }

  get isNumeric(): boolean {
    const type = this.type;
    return type === 'integer' || type === 'number';
  }

  numericSummary(): NumericSummary | null {
    if (!this.isNumeric || this.numbers === 0) return null;
    return {
      min: this.min,
      max: this.max,
      mean: this.mean,
      stddev: this.numbers > 1 ? Math.sqrt(this.m2 / (this.numbers - 1)) : 0,
      sum: this.sum,
    };
  }

  /**
   * Built field by field: in Node 20's V8 an object spread followed by more properties costs
   * 0.5–3.5 µs against 0.01 for a literal, and a ten-row task summarises eight columns.
   */
  summary(): ColumnSummary {
    const type = this.type;
    const numeric = this.numericSummary();
    if (numeric) {
      const { min, max, mean, stddev, sum } = numeric;
      return {
        name: this.name,
        type,
        count: this.count,
        nulls: this.nulls,
        min,
        max,
        mean,
        stddev,
        sum,
      };
    }
    if (type === 'empty') return { name: this.name, type, count: this.count, nulls: this.nulls };
    return {
      name: this.name,
      type,
      count: this.count,
      nulls: this.nulls,
      distinct: this.distinct.count(),
      distinct_is_estimate: this.distinct.isEstimate,
      top_values: this.topValues
        .top(5)
        .map(({ value, count }) => ({ value: shownForm(value), count })),
    };
  }

  /** Counted by its digest form, never kept whole; no number, boolean or date is this long. */
  private addLongValue(value: string): void {
    this.allNumber = false;
    this.allInteger = false;
    this.allBoolean = false;
    this.allDate = false;
    const key = digestForm(value);
    if (!this.topValues.add(key)) this.distinct.add(key);
  }

  private inferType(value: string): void {
    if (this.allNumber) {
      const kind = numberKind(value);
      if (kind === NOT_A_NUMBER) {
        this.allNumber = false;
        this.allInteger = false;
      } else if (kind === DECIMAL) {
        this.allInteger = false;
      }
    }
    if (this.allBoolean && !BOOLEAN.test(value)) this.allBoolean = false;
    if (this.allDate && !DATE.test(value)) this.allDate = false;
  }

  private addNumber(value: number): void {
    this.numbers++;
    this.sum += value;
    const delta = value - this.mean;
    this.mean += delta / this.numbers;
    this.m2 += delta * (value - this.mean);
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
  }
}
