import { Logger } from '@nestjs/common';
import { Repository } from 'typeorm';
import { RARE_TRIGRAM_SHARE, trigramShares, TrigramShares } from './trigram-narrowing';
import { Task } from './task.entity';

/** The text columns `q` searches, with the trigram index of each on PostgreSQL. */
export interface SearchedColumns<T> {
  errorMessage: T;
  inputParams: T;
}

export interface TrigramSampleOptions {
  /** Rows read per sample: enough to tell a trigram in 1 % of rows from a rarer one. */
  rows: number;
  /** Below this many rows the table is small and every text is cheap to look up as it is. */
  minRows: number;
  /** A sample older than this is taken again, in the background, at the next search. */
  maxAgeMs: number;
  /**
   * The same for a sample that found fewer than minRows rows, or failed: a table still being
   * filled, or a busy server, should not go without narrowing for a whole maxAgeMs.
   */
  emptyMaxAgeMs: number;
  /** The longest text read from each row: the start of a long value shows its kind. */
  maxChars: number;
}

export const TRIGRAM_SAMPLE_DEFAULTS: TrigramSampleOptions = {
  rows: 2_000,
  minRows: 200,
  maxAgeMs: 10 * 60_000,
  emptyMaxAgeMs: 60_000,
  maxChars: 2_000,
};

const NONE: SearchedColumns<TrigramShares> = { errorMessage: new Map(), inputParams: new Map() };

/**
 * How common each trigram is in the searched columns of the tasks table (PostgreSQL), from a
 * sample of rows taken at the first call (an API process makes it at start-up) and again when
 * it is older than maxAgeMs. A search never waits for a later sample. A sample that fails (a
 * busy server) counts as empty, which turns the narrowing off until the next, taken after
 * emptyMaxAgeMs: the shares only choose what the index is asked for.
 */
export class TrigramSample {
  private readonly logger = new Logger(TrigramSample.name);
  private latest?: Promise<SearchedColumns<TrigramShares>>;
  private takenAt = 0;
  /** Whether the latest sample found too few rows to count, or failed. */
  private latestEmpty = false;
  private taking?: Promise<void>;

  constructor(
    private readonly tasks: Repository<Task>,
    private readonly options: TrigramSampleOptions = TRIGRAM_SAMPLE_DEFAULTS,
  ) {}

  /** The shares per column; the first call waits for the first sample. */
  async shares(now = Date.now()): Promise<SearchedColumns<TrigramShares>> {
    if (!this.latest) {
      this.takenAt = now;
      this.latest = this.take();
    } else if (now - this.takenAt > this.maxAge() && !this.taking) {
      this.takenAt = now;
      const next = this.take();
      this.taking = next.then((shares) => {
        this.latest = Promise.resolve(shares);
        this.taking = undefined;
      });
    }
    return this.latest;
  }

  private maxAge(): number {
    return this.latestEmpty ? this.options.emptyMaxAgeMs : this.options.maxAgeMs;
  }

  private async take(): Promise<SearchedColumns<TrigramShares>> {
    const shares = await this.read();
    this.latestEmpty = shares === NONE;
    return shares;
  }

  private async read(): Promise<SearchedColumns<TrigramShares>> {
    try {
      const rows = await this.tasks.query<{ error_message: string | null; input_params: string }[]>(
        ...(await this.sampleQuery()),
      );
      if (rows.length < this.options.minRows) return NONE;
      return {
        errorMessage: trigramShares(
          rows.map((row) => row.error_message ?? ''),
          RARE_TRIGRAM_SHARE,
        ),
        inputParams: trigramShares(
          rows.map((row) => row.input_params),
          RARE_TRIGRAM_SHARE,
        ),
      };
    } catch (error) {
      this.logger.warn(`trigram sample not taken: ${(error as Error).message}`);
      return NONE;
    }
  }

  /**
   * Rows drawn one by one (BERNOULLI) from a table of few pages; from a larger one, one row from
   * each page of a page sample (SYSTEM), about half again the rows wanted: the rows of one page
   * were mostly written together and look alike, so several from one page would count one
   * kind of row many times.
   */
  private async sampleQuery(): Promise<[string, unknown[]]> {
    const { rows, maxChars } = this.options;
    const [table] = await this.tasks.query<{ pages: number; estimate: number }[]>(
      `SELECT relpages AS pages, reltuples AS estimate FROM pg_class WHERE oid = 'tasks'::regclass`,
    );
    const columns = `left(error_message, $1) AS error_message, left(input_params, $1) AS input_params`;
    if (!table || table.pages <= 1.5 * rows) {
      const estimate = table?.estimate ?? 0;
      const percent = estimate > 0 ? Math.min(100, (150 * rows) / estimate) : 100;
      return [
        `SELECT ${columns} FROM tasks TABLESAMPLE BERNOULLI ($2) LIMIT $3`,
        [maxChars, percent, rows],
      ];
    }
    return [
      `SELECT error_message, input_params FROM (
         SELECT DISTINCT ON ((ctid::text::point)[0]) ${columns}
         FROM tasks TABLESAMPLE SYSTEM ($2)
       ) one_per_page LIMIT $3`,
      [maxChars, Math.min(100, (150 * rows) / table.pages), rows],
    ];
  }
}
