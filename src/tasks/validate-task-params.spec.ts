import { ValidationProblem } from '../core/validation-problem';
import { RequestValidationError } from '../http/domain-error';
import { mailPolicyOf } from '../task-types/email/mail-policy';
import { validateTaskParams } from './validate-task-params';

async function problemsOf(
  taskType: Parameters<typeof validateTaskParams>[0],
  raw: Record<string, unknown>,
): Promise<ValidationProblem[]> {
  const error = await validateTaskParams(taskType, raw).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof RequestValidationError)) throw new Error('expected a validation error');
  return error.problems;
}

const at = (...loc: (string | number)[]) => ['body', 'input_params', ...loc];

describe('validateTaskParams', () => {
  it('reports the check declared first when a field breaks several', async () => {
    expect(await problemsOf('csv_processing', { num_rows: 'many' })).toEqual([
      { loc: at('num_rows'), msg: 'num_rows must be an integer number', type: 'int_type' },
    ]);
    expect(
      await problemsOf('email_sending', { recipients: 'a@example.com', subject: 'Hi' }),
    ).toEqual([{ loc: at('recipients'), msg: 'recipients must be an array', type: 'list_type' }]);
  });

  describe('email_sending', () => {
    it('keeps the seed defaults when neither recipients nor num_emails is given', async () => {
      expect(await validateTaskParams('email_sending', {})).toEqual({
        num_emails: 10,
        subject: 'Test Email',
        body: 'This is a test email sent by Conveyor.',
        delay_per_email: 0,
      });
    });

    it('keeps recipients as submitted, with no num_emails beside them', async () => {
      const recipients = ['a@example.com', { email: 'b@example.com', name: 'Bea', plan: 'pro' }];
      expect(
        await validateTaskParams('email_sending', {
          recipients,
          subject: 'Hi {{name}}',
          html: '<p/>',
        }),
      ).toEqual({ recipients, subject: 'Hi {{name}}', html: '<p/>', delay_per_email: 0 });
    });

    it('lists each bad recipient with where it is and what is wrong', async () => {
      const problems = await problemsOf('email_sending', {
        subject: 'Hi',
        recipients: [
          'good@example.com',
          'not-an-address',
          { email: 'also bad' },
          { name: 'No Address' },
          { email: 'c@example.com', name: 'Eve\r\nBcc: all@example.com', plan: 3 },
          42,
        ],
      });
      expect(problems).toEqual([
        {
          loc: at('recipients', 1),
          msg: '"not-an-address" is not a valid e-mail address',
          type: 'value_error.email',
        },
        {
          loc: at('recipients', 2, 'email'),
          msg: '"also bad" is not a valid e-mail address',
          type: 'value_error.email',
        },
        {
          loc: at('recipients', 3, 'email'),
          msg: 'email is required: each recipient object needs an address',
          type: 'missing',
        },
        {
          loc: at('recipients', 4, 'name'),
          msg: 'name must not contain line breaks',
          type: 'string_pattern_mismatch',
        },
        {
          loc: at('recipients', 4, 'plan'),
          msg: 'plan must be a string (recipient fields fill {{plan}} placeholders)',
          type: 'string_type',
        },
        {
          loc: at('recipients', 5),
          msg: 'each recipient must be an e-mail address or an object with an "email" field',
          type: 'value_error',
        },
      ]);
    });

    it('refuses line breaks in subject and from, which would inject headers', async () => {
      expect(
        await problemsOf('email_sending', {
          recipients: ['a@example.com'],
          subject: 'Hi\nBcc: all@example.com',
          from: 'me@example.com\r\nBcc: all@example.com',
        }),
      ).toEqual([
        {
          loc: at('subject'),
          msg: 'subject must not contain line breaks',
          type: 'string_pattern_mismatch',
        },
        {
          loc: at('from'),
          msg: 'from must not contain line breaks',
          type: 'string_pattern_mismatch',
        },
      ]);
    });

    it('wants a subject with recipients, and not num_emails as well', async () => {
      expect(
        await problemsOf('email_sending', { recipients: ['a@example.com'], num_emails: 3 }),
      ).toEqual([
        {
          loc: at('recipients'),
          msg: 'give either recipients or num_emails, not both',
          type: 'notWith',
        },
        {
          loc: at('subject'),
          msg: 'subject is required when recipients are given',
          type: 'missing',
        },
      ]);
    });

    it('takes 1 to 10,000 recipients and then checks no item of a longer list', async () => {
      const tooMany = Array.from({ length: 10_001 }, (_, i) => `bad ${i}`);
      expect(await problemsOf('email_sending', { recipients: tooMany, subject: 'Hi' })).toEqual([
        {
          loc: at('recipients'),
          msg: 'recipients must contain no more than 10000 elements',
          type: 'too_long',
        },
      ]);
      expect(await problemsOf('email_sending', { recipients: [], subject: 'Hi' })).toEqual([
        {
          loc: at('recipients'),
          msg: 'recipients must contain at least 1 elements',
          type: 'too_short',
        },
      ]);
    });
  });

  describe('null parameters', () => {
    it('refuses recipients: null instead of falling back to num_emails test messages', async () => {
      expect(await problemsOf('email_sending', { recipients: null, subject: 'Hi' })).toEqual([
        {
          loc: at('recipients'),
          msg: 'recipients must not be null: give it a value, or leave it out to use its default',
          type: 'null_forbidden',
        },
      ]);
    });

    it('names every null parameter once, whatever its other checks made of it', async () => {
      const problems = await problemsOf('email_sending', {
        num_emails: 2,
        subject: null,
        body: null,
        delay_per_email: -1,
      });
      expect(problems.map((problem) => [problem.loc, problem.type])).toEqual([
        [at('delay_per_email'), 'greater_than_equal'],
        [at('subject'), 'null_forbidden'],
        [at('body'), 'null_forbidden'],
      ]);
      expect(
        (await problemsOf('image_processing', { target_width: null })).map((p) => p.loc),
      ).toEqual([at('target_width')]);
    });

    it('reports an unknown parameter sent as null as unknown', async () => {
      expect(await problemsOf('csv_processing', { bcc: null })).toEqual([
        { loc: at('bcc'), msg: "Unknown field 'bcc'; remove it", type: 'extra_forbidden' },
      ]);
    });
  });

  it('keeps file ids in their stored, lower-case form', async () => {
    const id = 'A1B2C3D4-E5F6-4A7B-8C9D-0E1F2A3B4C5D';
    expect(await validateTaskParams('csv_processing', { file_id: id })).toMatchObject({
      file_id: id.toLowerCase(),
    });
    expect(
      await validateTaskParams('image_processing', { file_ids: [id, id.toLowerCase()] }),
    ).toMatchObject({ file_ids: [id.toLowerCase(), id.toLowerCase()] });
    expect(await problemsOf('image_processing', { file_ids: [id, 'nope'] })).toEqual([
      {
        loc: at('file_ids'),
        msg: 'each of file_ids must be a file_id answered by POST /api/files',
        type: 'uuid_parsing',
      },
    ]);
  });

  describe('limits', () => {
    it('refuses recipients with a quoted local part or control characters', async () => {
      expect(
        await problemsOf('email_sending', {
          subject: 'Hi',
          recipients: ['"a@evil.test"@example.com', { email: 'b\u0000@example.com' }, 'c\t@x.test'],
        }),
      ).toEqual([
        {
          loc: at('recipients', 0),
          msg: '"\\"a@evil.test\\"@example.com" must not have a quoted local part',
          type: 'value_error.email',
        },
        {
          loc: at('recipients', 1, 'email'),
          msg: '"b\\u0000@example.com" must not contain control characters',
          type: 'value_error.email',
        },
        {
          loc: at('recipients', 2),
          msg: '"c\\t@x.test" must not contain control characters',
          type: 'value_error.email',
        },
      ]);
    });

    it('caps delay_per_email x recipients at 600 seconds', async () => {
      expect(
        await validateTaskParams('email_sending', { num_emails: 10, delay_per_email: 60 }),
      ).toMatchObject({ delay_per_email: 60 });
      expect(
        await problemsOf('email_sending', { num_emails: 10_000, delay_per_email: 60 }),
      ).toEqual([
        {
          loc: at('delay_per_email'),
          msg:
            'delay_per_email x recipients must be at most 600 seconds (a paced run lasts at ' +
            'most 10 minutes); 60 x 10000 is 600000',
          type: 'value_error.pacing_too_long',
        },
      ]);
    });

    it('caps processing_time at 600 seconds', async () => {
      expect(await problemsOf('csv_processing', { processing_time: 601 })).toEqual([
        {
          loc: at('processing_time'),
          msg: 'processing_time must be at most 600 seconds (a paced run lasts at most 10 minutes)',
          type: 'less_than_equal',
        },
      ]);
    });

    it('applies the mail policy: from, and the recipients domains, generated ones too', async () => {
      const policy = {
        mail: mailPolicyOf({
          mailFrom: 'Ops <ops@example.com>',
          mailFromAllowed: [],
          recipientDomains: ['corp.test'],
        }),
      };
      const refused = await validateTaskParams(
        'email_sending',
        { recipients: ['a@corp.test', 'b@other.test'], subject: 'Hi', from: 'boss@bank.test' },
        policy,
      ).catch((error: RequestValidationError) => error.problems);
      expect(refused).toEqual([
        {
          loc: at('from'),
          msg: 'from must be MAIL_FROM or one of MAIL_FROM_ALLOWED (ops@example.com); leave it out to send from MAIL_FROM',
          type: 'value_error.sender_not_allowed',
        },
        {
          loc: at('recipients'),
          msg: '1 recipient(s) outside MAIL_RECIPIENT_DOMAINS (corp.test): b@other.test',
          type: 'value_error.recipient_domain_not_allowed',
        },
      ]);
      const seed = await validateTaskParams('email_sending', { num_emails: 2 }, policy).catch(
        (error: RequestValidationError) => error.problems,
      );
      expect(seed).toEqual([
        expect.objectContaining({
          msg: '2 recipient(s) outside MAIL_RECIPIENT_DOMAINS (corp.test): user1@example.com, user2@example.com',
        }),
      ]);
      await expect(
        validateTaskParams(
          'email_sending',
          { recipients: ['a@CORP.test'], subject: 'Hi', from: 'OPS@example.com' },
          policy,
        ),
      ).resolves.toMatchObject({ from: 'OPS@example.com' });
    });

    it('refuses an image task asking for more than 250 megapixels of output', async () => {
      expect(
        await problemsOf('image_processing', {
          num_images: 4,
          target_width: 8192,
          target_height: 8192,
        }),
      ).toEqual([
        {
          loc: at('num_images'),
          msg:
            '4 images at 8192x8192 are 268 megapixels; a task may ask for at most 250 megapixels ' +
            'of output (at this size, at most 3 images), so split it or ask for a smaller size',
          type: 'value_error.too_many_pixels',
        },
      ]);
    });
  });
});
