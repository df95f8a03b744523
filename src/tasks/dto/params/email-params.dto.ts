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

// class-validator runs decorators bottom-up: the type check sits last so it is reported first.
export class EmailParamsDto {
  /** Send to user1@example.com … userN@example.com. */
  @IsOptional()
  @Min(1)
  @Max(10_000)
  @IsInt()
  num_emails?: number;

  @IsOptional()
  @MaxLength(998)
  @Matches(SINGLE_LINE, { message: 'subject must not contain line breaks' })
  @IsString()
  subject?: string;

  /** Plain-text body. */
  @IsOptional()
  @MaxLength(1_000_000)
  @IsString()
  body?: string;

  /** HTML body, sent beside the text one. */
  @IsOptional()
  @MaxLength(1_000_000)
  @IsString()
  html?: string;

  /** Sender address; MAIL_FROM when omitted. */
  @IsOptional()
  @IsEmail({}, { message: 'from must be an e-mail address' })
  from?: string;

  /** Seconds to wait between two sends. */
  @IsOptional()
  @Min(0)
  @Max(60)
  @IsNumber({ allowNaN: false, allowInfinity: false })
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
