import { ValidationProblem } from '../core/validation-problem';
import { RequestValidationError } from '../http/domain-error';
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
});
