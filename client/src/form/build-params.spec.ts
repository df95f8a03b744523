import { buildParams } from './build-params';
import type { TaskType } from '../api/types';
import { defaultValues, formSpecOf } from './field-specs';
import { SERVED_TASK_TYPES } from './task-types.fixture';

const specOf = (type: TaskType) => formSpecOf(type, SERVED_TASK_TYPES[type]);

const none = new Set<string>();

describe('buildParams', () => {
  it('sends the defaults of generated CSV data as typed values', () => {
    expect(
      buildParams(
        specOf('csv_processing'),
        'generated',
        defaultValues(specOf('csv_processing')),
        [],
        none,
      ),
    ).toEqual({
      params: { num_rows: 1000, has_header: true, processing_time: 0 },
      errors: {},
    });
  });

  it('leaves out empty optional fields and keeps free text as typed', () => {
    const values = { ...defaultValues(specOf('email_sending')), subject: '  spaced  ', from: '' };
    const { params } = buildParams(specOf('email_sending'), 'generated', values, [], none);
    expect(params).toEqual({
      num_emails: 10,
      subject: '  spaced  ',
      body: 'This is a test email sent by Conveyor.',
      delay_per_email: 0,
    });
  });

  it('sends typed recipients instead of num_emails for a list', () => {
    const values = {
      ...defaultValues(specOf('email_sending')),
      recipients: 'a@example.com\nB <b@example.com>',
    };
    const { params } = buildParams(specOf('email_sending'), 'list', values, [], none);
    expect(params.recipients).toEqual(['a@example.com', { email: 'b@example.com', name: 'B' }]);
    expect(params).not.toHaveProperty('num_emails');
  });

  it('sends uploaded files by id: one for CSV, all for images', () => {
    expect(
      buildParams(
        specOf('csv_processing'),
        'upload',
        defaultValues(specOf('csv_processing')),
        ['f1'],
        none,
      ).params,
    ).toEqual({ file_id: 'f1', has_header: true, processing_time: 0 });
    expect(
      buildParams(
        specOf('image_processing'),
        'upload',
        defaultValues(specOf('image_processing')),
        ['a', 'b'],
        none,
      ).params.file_ids,
    ).toEqual(['a', 'b']);
  });

  it('refuses an upload source without a finished upload, rather than sending generated data', () => {
    const { errors } = buildParams(
      specOf('csv_processing'),
      'upload',
      defaultValues(specOf('csv_processing')),
      [],
      none,
    );
    expect(errors.file_id).toMatch(/Add a CSV file/);
  });

  it('reports a number field the browser could not read', () => {
    const { errors, params } = buildParams(
      specOf('image_processing'),
      'generated',
      defaultValues(specOf('image_processing')),
      [],
      new Set(['quality']),
    );
    expect(errors).toEqual({ quality: 'Quality must be a number' });
    expect(params).not.toHaveProperty('quality');
  });
});
