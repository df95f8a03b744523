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
import type { FileReference } from '../../../files/files.service';
import { IsResourceId } from '../../resource-id';
import { NotWith } from './not-with';

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
  has_header?: boolean = true;

  /** The run lasts at least this many seconds, paced across the work (for demos). */
  @IsOptional()
  @Min(0)
  @Max(3600)
  @IsNumber({ allowNaN: false, allowInfinity: false })
  processing_time?: number = 0;
}

/** Applies the defaults that depend on other fields. */
export function completeCsvParams(params: CsvParamsDto): CsvParamsDto {
  return params.file_id ? params : { ...params, num_rows: params.num_rows ?? 1000 };
}

export const csvFileReferences = (params: CsvParamsDto): FileReference[] =>
  params.file_id ? [{ loc: ['file_id'], id: params.file_id, kind: 'csv' }] : [];
