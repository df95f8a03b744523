import type { Task } from '../api/types';
import { failedItemCount, hasItemOutcomes, itemsCsvPath } from './failed-items';

const task = (overrides: Partial<Task>): Task => ({
  id: 't1',
  task_type: 'email_sending',
  status: 'SUCCESS',
  created_at: '2026-01-01T00:00:00Z',
  started_at: null,
  completed_at: null,
  progress: 100,
  input_params: {},
  result_data: null,
  error_message: null,
  attempts: 1,
  retry_of: null,
  project: 'default',
  timeout_seconds: 3600,
  priority: 5,
  run_at: null,
  ...overrides,
});

describe('failedItemCount', () => {
  it('counts the failed items of a finished e-mail or image task', () => {
    expect(failedItemCount(task({ result_data: { failed: 2 } }))).toBe(2);
    expect(
      failedItemCount(
        task({ task_type: 'image_processing', status: 'FAILED', result_data: { failed: 1 } }),
      ),
    ).toBe(1);
  });

  it('offers nothing for a CSV task, an unfinished one, none failed, or no result', () => {
    expect(failedItemCount(task({ task_type: 'csv_processing', result_data: { failed: 3 } }))).toBe(
      0,
    );
    expect(failedItemCount(task({ status: 'RUNNING', result_data: { failed: 3 } }))).toBe(0);
    expect(failedItemCount(task({ result_data: { failed: 0 } }))).toBe(0);
    expect(failedItemCount(task({}))).toBe(0);
  });
});

describe('hasItemOutcomes', () => {
  it('lists an e-mail task once it has run, and others by their result', () => {
    expect(hasItemOutcomes(task({}))).toBe(true);
    expect(hasItemOutcomes(task({ status: 'PENDING' }))).toBe(false);
    expect(
      hasItemOutcomes(task({ task_type: 'image_processing', result_data: { images: [] } })),
    ).toBe(true);
    expect(
      hasItemOutcomes(task({ task_type: 'csv_processing', result_data: { total_rows: 1 } })),
    ).toBe(false);
  });

  it('builds the download path from the id', () => {
    expect(itemsCsvPath('abc')).toBe('/api/tasks/abc/items.csv');
  });
});
