import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsDefined,
  IsEmail,
  isEmail,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
} from 'class-validator';
import { ValidationProblem } from '../../core/validation-problem';
import { NotWith } from '../not-with';
import { MAX_PACED_RUN_SECONDS } from '../pacing';
import { MailPolicy, mailPolicyProblems } from './mail-policy';
import { seedRecipients } from './message';

const SINGLE_LINE = /^[^\r\n]*$/;
// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;
export const MAX_RECIPIENTS = 10_000;
const MAX_NAME_LENGTH = 256;

/** A recipient as submitted: an address, or an object whose fields fill {{placeholders}}. */
export type RecipientInput = string | RecipientObject;

export interface RecipientObject {
  email: string;
  /** The display name in the To header. */
  name?: string;
  [field: string]: string | undefined;
}

/** The defaults of the fields a submit may leave out: the one place they are written. */
export const EMAIL_DEFAULTS = {
  num_emails: 10,
  subject: 'Test Email',
  body: 'This is a test email sent by Conveyor.',
  delay_per_email: 0,
} as const;

export class EmailParamsDto {
  /** Send to user1@example.com … userN@example.com. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_RECIPIENTS)
  num_emails?: number;

  /**
   * Addresses, or objects `{email, name?, ...fields}` whose fields fill `{{placeholders}}` in
   * the subject and bodies. Repeated addresses (in any letter case) are sent to once.
   */
  @IsOptional()
  @NotWith('num_emails', 'give either recipients or num_emails, not both')
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_RECIPIENTS)
  recipients?: RecipientInput[];

  /** Required with recipients; "Test Email" with num_emails. May hold {{placeholders}}. */
  @ValidateIf(
    (params: EmailParamsDto, value) => value !== undefined || params.recipients !== undefined,
  )
  @IsDefined({ message: 'subject is required when recipients are given' })
  @IsString()
  @MaxLength(998)
  @Matches(SINGLE_LINE, { message: 'subject must not contain line breaks' })
  subject?: string;

  /** Plain-text body. */
  @IsOptional()
  @IsString()
  @MaxLength(100 * 1024)
  body?: string;

  /** HTML body, sent beside the text one; placeholder values are HTML-escaped in it. */
  @IsOptional()
  @IsString()
  @MaxLength(100 * 1024)
  html?: string;

  /** Sender address; MAIL_FROM when omitted. */
  @IsOptional()
  @IsString()
  @Matches(SINGLE_LINE, { message: 'from must not contain line breaks' })
  @IsEmail({}, { message: 'from must be an e-mail address' })
  from?: string;

  /** Seconds to wait between two sends; times the recipients, at most 600 s in all. */
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(60)
  delay_per_email?: number = EMAIL_DEFAULTS.delay_per_email;
}

const quoted = (value: string): string =>
  JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);

/**
 * Why an address the e-mail check accepts is still refused: nodemailer flattens a quoted local
 * part and control characters, so the message could go to another address than the one listed.
 */
function unsafeAddressReason(address: string): string | null {
  if (CONTROL_CHARACTER.test(address)) return 'must not contain control characters';
  if (address.includes('"')) return 'must not have a quoted local part';
  return null;
}

function addressProblems(address: string, loc: (string | number)[]): ValidationProblem[] {
  const unsafe = unsafeAddressReason(address);
  if (unsafe) return [{ loc, msg: `${quoted(address)} ${unsafe}`, type: 'value_error.email' }];
  if (!isEmail(address)) {
    return [
      { loc, msg: `${quoted(address)} is not a valid e-mail address`, type: 'value_error.email' },
    ];
  }
  return [];
}

/**
 * What the decorators cannot say about each recipient, one problem per bad item with its
 * index (and field) in `loc`. Runs only on a list the decorators accepted as a whole.
 */
export function recipientProblems(params: EmailParamsDto): ValidationProblem[] {
  const { recipients } = params;
  if (!Array.isArray(recipients) || recipients.length > MAX_RECIPIENTS) return [];
  return recipients.flatMap((item: unknown, index) => {
    const loc = ['recipients', index];
    if (typeof item === 'string') return addressProblems(item, loc);
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      return [
        {
          loc,
          msg: 'each recipient must be an e-mail address or an object with an "email" field',
          type: 'value_error',
        },
      ];
    }
    return recipientObjectProblems(item as Record<string, unknown>, loc);
  });
}

function recipientObjectProblems(
  recipient: Record<string, unknown>,
  loc: (string | number)[],
): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  const { email, name, ...fields } = recipient;
  if (email === undefined) {
    problems.push({
      loc: [...loc, 'email'],
      msg: 'email is required: each recipient object needs an address',
      type: 'missing',
    });
  } else if (typeof email !== 'string') {
    problems.push({
      loc: [...loc, 'email'],
      msg: 'email is not a valid e-mail address',
      type: 'value_error.email',
    });
  } else {
    problems.push(...addressProblems(email, [...loc, 'email']));
  }
  if (name !== undefined) {
    if (typeof name !== 'string') {
      problems.push({ loc: [...loc, 'name'], msg: 'name must be a string', type: 'string_type' });
    } else if (!SINGLE_LINE.test(name)) {
      problems.push({
        loc: [...loc, 'name'],
        msg: 'name must not contain line breaks',
        type: 'string_pattern_mismatch',
      });
    } else if (name.length > MAX_NAME_LENGTH) {
      problems.push({
        loc: [...loc, 'name'],
        msg: `name must be at most ${MAX_NAME_LENGTH} characters`,
        type: 'string_too_long',
      });
    }
  }
  for (const [field, value] of Object.entries(fields)) {
    if (typeof value !== 'string') {
      problems.push({
        loc: [...loc, field],
        msg: `${field} must be a string (recipient fields fill {{${field}}} placeholders)`,
        type: 'string_type',
      });
    }
  }
  return problems;
}

/** The recipients' addresses, of the items that have one; the seed's when none are listed. */
function addressesOf(params: EmailParamsDto): string[] {
  if (Array.isArray(params.recipients)) {
    return params.recipients.flatMap((item: unknown) => {
      if (typeof item === 'string') return [item];
      const email = (item as { email?: unknown } | null)?.email;
      return typeof email === 'string' ? [email] : [];
    });
  }
  const count = params.num_emails ?? EMAIL_DEFAULTS.num_emails;
  if (!Number.isInteger(count) || count < 1 || count > MAX_RECIPIENTS) return [];
  return seedRecipients(count).map((recipient) => recipient.email);
}

/** A pacing that would make the run last over MAX_PACED_RUN_SECONDS. */
function pacingProblems(params: EmailParamsDto): ValidationProblem[] {
  const delay = params.delay_per_email ?? EMAIL_DEFAULTS.delay_per_email;
  const count = Array.isArray(params.recipients)
    ? params.recipients.length
    : (params.num_emails ?? EMAIL_DEFAULTS.num_emails);
  if (typeof delay !== 'number' || !Number.isFinite(delay) || !Number.isInteger(count)) return [];
  if (delay * count <= MAX_PACED_RUN_SECONDS) return [];
  return [
    {
      loc: ['delay_per_email'],
      msg:
        `delay_per_email x recipients must be at most ${MAX_PACED_RUN_SECONDS} seconds ` +
        `(a paced run lasts at most 10 minutes); ${delay} x ${count} is ${delay * count}`,
      type: 'value_error.pacing_too_long',
    },
  ];
}

/**
 * Everything the decorators cannot say about an e-mail task: each bad recipient, a pacing over
 * MAX_PACED_RUN_SECONDS, and a sender or recipients the mail policy refuses.
 */
export function emailProblems(params: EmailParamsDto, policy: MailPolicy): ValidationProblem[] {
  const listed = recipientProblems(params);
  return [
    ...listed,
    ...pacingProblems(params),
    // Recipients already refused one by one are not listed again under the policy.
    ...mailPolicyProblems(
      // A malformed from has its own problem already.
      typeof params.from === 'string' && isEmail(params.from) ? params.from : undefined,
      listed.length > 0 ? [] : addressesOf(params),
      policy,
    ),
  ];
}

/**
 * The params an e-mail task runs with: every default applied, a subject always, and either
 * recipients or a count. `from` left out means the service's MAIL_FROM.
 */
export type EmailParams = {
  subject: string;
  body?: string;
  html?: string;
  from?: string;
  delay_per_email: number;
} & (
  | { recipients: RecipientInput[]; num_emails?: undefined }
  | { recipients?: undefined; num_emails: number }
);

/** Applies the defaults, including those that depend on other fields, after validation. */
export function resolveEmailParams(params: EmailParamsDto): EmailParams {
  const noBody = params.body === undefined && params.html === undefined;
  const settings = {
    body: noBody ? EMAIL_DEFAULTS.body : params.body,
    html: params.html,
    from: params.from,
    delay_per_email: params.delay_per_email ?? EMAIL_DEFAULTS.delay_per_email,
  };
  if (params.recipients !== undefined) {
    // Validation requires a subject with recipients.
    return { recipients: params.recipients, subject: params.subject ?? '', ...settings };
  }
  return {
    num_emails: params.num_emails ?? EMAIL_DEFAULTS.num_emails,
    subject: params.subject ?? EMAIL_DEFAULTS.subject,
    ...settings,
  };
}

/** How many messages a task of these (validated) parameters sends: what the daily quota counts. */
export function emailRecipientCount(params: Record<string, unknown>): number {
  if (Array.isArray(params.recipients)) return params.recipients.length;
  return typeof params.num_emails === 'number' ? params.num_emails : EMAIL_DEFAULTS.num_emails;
}
