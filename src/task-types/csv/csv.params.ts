import {
  IsBoolean,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Length,
  Max,
  Min,
} from 'class-validator';
import type { FileReference } from '../../files/files.service';
import { IsResourceId } from '../is-resource-id';
import { NotWith } from '../not-with';
import { MAX_PACED_RUN_SECONDS } from '../pacing';

/** The defaults of the fields a submit may leave out: the one place they are written. */
export const CSV_DEFAULTS = { num_rows: 1000, has_header: true, processing_time: 0 } as const;

export class CsvParamsDto {
  /** An uploaded CSV file (POST /api/files). */
  @IsOptional()
  @NotWith('num_rows', 'give either file_id or num_rows, not both')
  @IsResourceId({ message: 'file_id must be the file_id answered by POST /api/files' })
  file_id?: string;

  /** Rows of generated data to process (used when no file is given). */
  @IsOptional()
  @Min(1)
  @Max(10_000_000)
  @IsInt()
  num_rows?: number;

  /** Field delimiter; detected from the data when omitted. */
  @IsOptional()
  @Length(1, 1, { message: 'delimiter must be exactly one character' })
  @IsString()
  delimiter?: string;

  /** Whether the first row holds column names. */
  @IsOptional()
  @IsBoolean()
  has_header?: boolean = CSV_DEFAULTS.has_header;

  /** The run lasts at least this many seconds, paced across the work (for demos); at most 600. */
  @IsOptional()
  @Min(0)
  @Max(MAX_PACED_RUN_SECONDS, {
    message: `processing_time must be at most ${MAX_PACED_RUN_SECONDS} seconds (a paced run lasts at most 10 minutes)`,
  })
  @IsNumber({ allowNaN: false, allowInfinity: false })
  processing_time?: number = CSV_DEFAULTS.processing_time;
}

/** The params a CSV task runs with: every default applied, and either a file or a row count. */
export type CsvParams = {
  delimiter?: string;
  has_header: boolean;
  processing_time: number;
} & ({ file_id: string; num_rows?: undefined } | { file_id?: undefined; num_rows: number });

/** Applies the defaults, including those that depend on other fields, after validation. */
export function resolveCsvParams(params: CsvParamsDto): CsvParams {
  const settings = {
    delimiter: params.delimiter,
    has_header: params.has_header ?? CSV_DEFAULTS.has_header,
    processing_time: params.processing_time ?? CSV_DEFAULTS.processing_time,
  };
  return params.file_id !== undefined
    ? { file_id: params.file_id, ...settings }
    : { num_rows: params.num_rows ?? CSV_DEFAULTS.num_rows, ...settings };
}

export const csvFileReferences = (params: CsvParamsDto): FileReference[] =>
  params.file_id ? [{ loc: ['file_id'], id: params.file_id, kind: 'csv' }] : [];
