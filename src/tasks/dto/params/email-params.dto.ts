import {
  IsEmail,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';

const SINGLE_LINE = /^[^\r\n]*$/;

export class EmailParamsDto {
  /** Send to user1@example.com … userN@example.com. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10_000)
  num_emails?: number;

  @IsOptional()
  @IsString()
  @MaxLength(998)
  @Matches(SINGLE_LINE, { message: 'subject must not contain line breaks' })
  subject?: string;

  /** Plain-text body. */
  @IsOptional()
  @IsString()
  @MaxLength(1_000_000)
  body?: string;

  /** HTML body, sent beside the text one. */
  @IsOptional()
  @IsString()
  @MaxLength(1_000_000)
  html?: string;

  /** Sender address; MAIL_FROM when omitted. */
  @IsOptional()
  @IsEmail({}, { message: 'from must be an e-mail address' })
  from?: string;

  /** Seconds to wait between two sends. */
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(60)
  delay_per_email?: number = 0;
}

export function completeEmailParams(params: EmailParamsDto): EmailParamsDto {
  const completed = { ...params, num_emails: params.num_emails ?? 10 };
  completed.subject ??= 'Test Email';
  if (completed.body === undefined && completed.html === undefined) {
    completed.body = 'This is a test email sent by Conveyor.';
  }
  return completed;
}
