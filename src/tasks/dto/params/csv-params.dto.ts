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
  return { ...params, num_rows: params.num_rows ?? 1000 };
}
