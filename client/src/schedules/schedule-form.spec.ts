import { draftOf, EMPTY_DRAFT, inputOf } from './schedule-form';

describe('inputOf', () => {
  it('turns a draft into the request body', () => {
    expect(
      inputOf({
        ...EMPTY_DRAFT,
        name: ' nightly ',
        cron: ' 0 3 * * * ',
        priority: '7',
        timezone: '',
      }),
    ).toEqual({
      name: 'nightly',
      cron: '0 3 * * *',
      timezone: 'UTC',
      task_type: 'csv_processing',
      input_params: { num_rows: 1000 },
      priority: 7,
      timeout_seconds: null,
      enabled: true,
    });
  });

  it('names what is wrong with the parameters or a number', () => {
    expect(() => inputOf({ ...EMPTY_DRAFT, params: '{num_rows: 1}' })).toThrow(/must be JSON/);
    expect(() => inputOf({ ...EMPTY_DRAFT, params: '[1]' })).toThrow(/a JSON object/);
    expect(() => inputOf({ ...EMPTY_DRAFT, timeoutSeconds: '1.5' })).toThrow(/Timeout/);
  });

  it('edits a schedule as it is', () => {
    const draft = draftOf({
      id: 'x',
      name: 'n',
      cron: '@daily',
      timezone: 'Europe/Paris',
      task_type: 'email_sending',
      input_params: { num_emails: 2 },
      priority: null,
      timeout_seconds: 60,
      enabled: false,
      project: 'default',
      next_run_at: null,
      next_runs: [],
      last_run_at: null,
      last_task_id: null,
      last_error: null,
      created_at: '',
      updated_at: '',
    });
    expect(inputOf(draft)).toMatchObject({
      cron: '@daily',
      input_params: { num_emails: 2 },
      timeout_seconds: 60,
      priority: null,
      enabled: false,
    });
  });
});
