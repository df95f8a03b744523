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

export class CsvParamsDto {
  /** Rows of generated data to process (used when no file is given). */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10_000_000)
  num_rows?: number;

  /** Field delimiter; detected from the data when omitted. */
  @IsOptional()
  @IsString()
  @Length(1, 1, { message: 'delimiter must be exactly one character' })
  delimiter?: string;

  /** Whether the first row holds column names. */
  @IsOptional()
  @IsBoolean()
  has_header?: boolean = true;

  /** The run lasts at least this many seconds, paced across the work (for demos). */
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(3600)
  processing_time?: number = 0;
}

/** Applies the defaults that depend on other fields. */
export function completeCsvParams(params: CsvParamsDto): CsvParamsDto {
  return { ...params, num_rows: params.num_rows ?? 1000 };
}
