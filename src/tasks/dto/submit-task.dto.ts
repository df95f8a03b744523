import { IsDefined, IsInt, IsObject, IsOptional, IsString, Max, Min } from 'class-validator';

export class SubmitTaskDto {
  /** csv_processing, email_sending or image_processing. */
  @IsDefined()
  @IsString()
  task_type!: string;

  /** The task type's parameters; defaults fill what is left out. Omitted or null means {}. */
  @IsOptional()
  @IsObject()
  input_params?: Record<string, unknown> | null;

  /** Seconds the run may last before it is stopped and FAILED; the type's default when omitted. */
  @IsOptional()
  @Min(1)
  @Max(86_400)
  @IsInt()
  timeout_seconds?: number;
}
