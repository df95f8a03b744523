import { IsDefined, IsObject, IsOptional, IsString, IsUrl, MaxLength } from 'class-validator';

export class SubmitTaskDto {
  /** csv_processing, email_sending or image_processing. */
  @IsDefined()
  @IsString()
  task_type!: string;

  /** The task type's parameters; defaults fill what is left out. Omitted or null means {}. */
  @IsOptional()
  @IsObject()
  input_params?: Record<string, unknown> | null;

  /** Also POST the task's outcome here (§11): an http or https URL on a public address. */
  @IsOptional()
  @IsString({ message: 'callback_url must be a string' })
  @MaxLength(2048, { message: 'callback_url must be at most 2048 characters' })
  @IsUrl(
    { protocols: ['http', 'https'], require_protocol: true, require_tld: false },
    { message: 'callback_url must be an http or https URL' },
  )
  callback_url?: string;
}
