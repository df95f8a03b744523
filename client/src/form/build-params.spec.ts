import { buildParams } from './build-params';
import { defaultValues } from './field-specs';

const none = new Set<string>();

describe('buildParams', () => {
  it('sends the defaults of generated CSV data as typed values', () => {
    expect(
      buildParams('csv_processing', 'generated', defaultValues('csv_processing'), [], none),
    ).toEqual({
      params: { num_rows: 1000, has_header: true, processing_time: 0 },
      errors: {},
    });
  });

  it('leaves out empty optional fields and keeps free text as typed', () => {
    const values = { ...defaultValues('email_sending'), subject: '  spaced  ', from: '' };
    const { params } = buildParams('email_sending', 'generated', values, [], none);
    expect(params).toEqual({
      num_emails: 10,
      subject: '  spaced  ',
      body: 'This is a test email sent by Conveyor.',
      delay_per_email: 0,
    });
  });

  it('sends typed recipients instead of num_emails for a list', () => {
    const values = {
      ...defaultValues('email_sending'),
      recipients: 'a@example.com\nB <b@example.com>',
    };
    const { params } = buildParams('email_sending', 'list', values, [], none);
    expect(params.recipients).toEqual(['a@example.com', { email: 'b@example.com', name: 'B' }]);
    expect(params).not.toHaveProperty('num_emails');
  });

  it('sends uploaded files by id: one for CSV, all for images', () => {
    expect(
      buildParams('csv_processing', 'upload', defaultValues('csv_processing'), ['f1'], none).params,
    ).toEqual({ file_id: 'f1', has_header: true, processing_time: 0 });
    expect(
      buildParams('image_processing', 'upload', defaultValues('image_processing'), ['a', 'b'], none)
        .params.file_ids,
    ).toEqual(['a', 'b']);
  });

  it('refuses an upload source without a finished upload, rather than sending generated data', () => {
    const { errors } = buildParams(
      'csv_processing',
      'upload',
      defaultValues('csv_processing'),
      [],
      none,
    );
    expect(errors.file_id).toMatch(/Add a CSV file/);
  });

  it('reports a number field the browser could not read', () => {
    const { errors, params } = buildParams(
      'image_processing',
      'generated',
      defaultValues('image_processing'),
      [],
      new Set(['quality']),
    );
    expect(errors).toEqual({ quality: 'Quality must be a number' });
    expect(params).not.toHaveProperty('quality');
  });
});
