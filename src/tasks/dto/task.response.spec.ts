import { Task } from '../../database/task.entity';
import { LIST_FIELD_MAX_BYTES, toTaskListItem, toTaskResponse } from './task.response';

const taskWith = (inputParams: Record<string, unknown>): Task =>
  ({
    id: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
    taskType: 'email_sending',
    status: 'PENDING',
    createdAt: new Date('2026-01-31T12:00:00Z'),
    startedAt: null,
    completedAt: null,
    progress: 0,
    inputParams,
    resultData: null,
    errorMessage: null,
    attempts: 0,
    retryOf: null,
  }) as unknown as Task;

describe('toTaskListItem', () => {
  it('keeps fields up to the limit and elides larger ones with their size', () => {
    // A string's JSON has two quotes more than the string.
    const fits = 'a'.repeat(LIST_FIELD_MAX_BYTES - 2);
    const over = 'a'.repeat(LIST_FIELD_MAX_BYTES - 1);
    const recipients = Array.from({ length: 300 }, (_, index) => `user${index}@example.com`);
    const task = taskWith({ subject: 'Hi', body: fits, html: over, recipients });

    const item = toTaskListItem(task);

    expect(item.input_params).toEqual({
      subject: 'Hi',
      body: fits,
      html: { elided_bytes: LIST_FIELD_MAX_BYTES + 1 },
      recipients: { elided_bytes: Buffer.byteLength(JSON.stringify(recipients)) },
    });
    // Everything else is the task as GET /api/tasks/{id} answers it, which keeps every field.
    expect({ ...item, input_params: task.inputParams }).toEqual(toTaskResponse(task));
    expect(toTaskResponse(task).input_params.html).toBe(over);
  });

  it('measures bytes, not characters', () => {
    const euros = '€'.repeat(2000); // 6,000 bytes of UTF-8
    expect(toTaskListItem(taskWith({ body: euros })).input_params).toEqual({
      body: { elided_bytes: 6002 },
    });
  });
});
