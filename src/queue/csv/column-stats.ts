import { DistinctCounter } from './distinct-counter';
import { TopValues } from './top-values';

export type ColumnType = 'integer' | 'number' | 'boolean' | 'date' | 'text' | 'empty';

const INTEGER = /^[+-]?\d+$/;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const BOOLEAN = /^(true|false|yes|no)$/i;
const DATE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

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
 * value, numeric moments (Welford), distinct count and most frequent values.
 */
export class ColumnStats {
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

  constructor(readonly name: string) {}

  add(raw: string): void {
    const value = raw.trim();
    this.count++;
    if (value === '') {
      this.nulls++;
      return;
    }
    this.distinct.add(value);
    this.topValues.add(value);
    if (this.allNumber) {
      if (NUMBER.test(value)) {
        if (this.allInteger && !INTEGER.test(value)) this.allInteger = false;
        this.addNumber(Number(value));
      } else {
        this.allNumber = false;
        this.allInteger = false;
      }
    }
    if (this.allBoolean && !BOOLEAN.test(value)) this.allBoolean = false;
    if (this.allDate && !DATE.test(value)) this.allDate = false;
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

  summary(): ColumnSummary {
    const base: ColumnSummary = {
      name: this.name,
      type: this.type,
      count: this.count,
      nulls: this.nulls,
    };
    const numeric = this.numericSummary();
    if (numeric) return { ...base, ...numeric };
    if (base.type === 'empty') return base;
    return {
      ...base,
      distinct: this.distinct.count(),
      distinct_is_estimate: this.distinct.isEstimate,
      top_values: this.topValues.top(5),
    };
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
