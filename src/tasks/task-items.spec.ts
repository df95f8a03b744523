import {
  csvItemRows,
  emailFailedItemsRetry,
  imageFailedItemsRetry,
  imageItemRows,
} from './task-items';

describe('emailFailedItemsRetry', () => {
  const params = {
    subject: 'Hi {{name}}',
    body: 'Hello',
    delay_per_email: 0,
    recipients: [
      'a@example.com',
      { email: 'B@example.com', name: 'Bee', code: '7' },
      'c@example.com',
    ],
  };

  it('keeps only the failed recipients, with their fields, in the original order', () => {
    expect(emailFailedItemsRetry(params, ['c@example.com', 'b@example.com'])).toEqual({
      params: {
        ...params,
        recipients: [{ email: 'B@example.com', name: 'Bee', code: '7' }, 'c@example.com'],
      },
    });
  });

  it('turns a seed task into a list of its failed generated addresses', () => {
    const retry = emailFailedItemsRetry(
      { num_emails: 5, subject: 'Test Email', delay_per_email: 0 },
      ['user2@example.com', 'user5@example.com'],
    );
    expect(retry).toEqual({
      params: {
        subject: 'Test Email',
        delay_per_email: 0,
        recipients: ['user2@example.com', 'user5@example.com'],
      },
    });
  });

  it('refuses when none failed', () => {
    expect(emailFailedItemsRetry(params, [])).toHaveProperty('refusal');
    expect(emailFailedItemsRetry(params, ['nobody@example.com'])).toHaveProperty('refusal');
  });
});

describe('imageFailedItemsRetry', () => {
  const params = { file_ids: ['f1', 'f2', 'f1', 'f3'], target_width: 10, target_height: 10 };
  const result = {
    images: [
      { original_name: 'one.png', processed_name: 'x' },
      { original_name: 'two.png', error: 'corrupt' },
      { original_name: 'three.png', error: 'too big' },
    ],
  };

  it('keeps the failed uploads, by their place among the distinct file_ids', () => {
    expect(imageFailedItemsRetry(params, result)).toEqual({
      params: { ...params, file_ids: ['f2', 'f3'] },
    });
  });

  it('prefers the file_id an outcome names', () => {
    const named = { images: [{ original_name: 'a', error: 'bad', file_id: 'f3' }] };
    expect(imageFailedItemsRetry(params, named)).toEqual({
      params: { ...params, file_ids: ['f3'] },
    });
  });

  it('refuses when none failed, with no result, or for generated images', () => {
    expect(imageFailedItemsRetry(params, { images: [{ original_name: 'a' }] })).toHaveProperty(
      'refusal',
    );
    expect(imageFailedItemsRetry(params, null)).toHaveProperty('refusal');
    expect(imageFailedItemsRetry({ num_images: 3 }, result)).toHaveProperty('refusal');
  });
});

describe('item rows', () => {
  it('lists images as name, status and error', () => {
    expect(
      imageItemRows({ images: [{ original_name: 'a.png' }, { original_name: 'b', error: 'x' }] }),
    ).toEqual([
      ['a.png', 'processed', null],
      ['b', 'failed', 'x'],
    ]);
  });

  it('lists the malformed rows a CSV result names with their line', () => {
    expect(csvItemRows({ malformed_examples: [{ line: 4, error: 'Invalid' }] })).toEqual([
      [4, 'malformed', 'Invalid'],
    ]);
    expect(csvItemRows({ total_rows: 3 })).toEqual([]);
  });
});
