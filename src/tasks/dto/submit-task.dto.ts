import { IsDefined, IsObject, IsOptional, IsString } from 'class-validator';

export class SubmitTaskDto {
  /** csv_processing, email_sending or image_processing. */
  @IsDefined()
  @IsString()
  task_type!: string;

  /** The task type's parameters; defaults fill what is left out. Omitted or null means {}. */
  @IsOptional()
  @IsObject()
  input_params?: Record<string, unknown> | null;
}
