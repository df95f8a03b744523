import { AuthenticatedRequest, OPEN_PRINCIPAL } from '../auth/principal';
import { Task } from '../database/task.entity';
import { TasksController } from './tasks.controller';
import { TaskItemsService } from './task-items.service';
import { TasksService } from './tasks.service';

const task: Task = {
  id: '7d1f0c1e-3b2a-4c5d-9e8f-0a1b2c3d4e5f',
  taskType: 'csv_processing',
  status: 'FAILED',
  createdAt: new Date('2026-01-02T03:04:05.678Z'),
  startedAt: new Date('2026-01-02T03:04:06.000Z'),
  completedAt: null,
  heartbeatAt: new Date('2026-01-02T03:04:07.000Z'),
  outputBytes: 1234,
  progress: 42.5,
  inputParams: { num_rows: 10 },
  resultData: null,
  errorMessage: 'bad data',
  attempts: 1,
  retryOf: null,
  timeoutSeconds: 3600,
  project: 'default',
  priority: 7,
  runAt: new Date('2026-01-02T03:04:06.000Z'),
  scheduleId: '0b9c8d7e-6f5a-4b3c-8d2e-1f0a9b8c7d6e',
  callbackUrl: null,
};

/** The answer shapes of the contract: snake_case, ISO-8601 UTC times, internal columns left out. */
describe('TasksController answers', () => {
  const service: Partial<TasksService> = {
    submit: () => Promise.resolve(task),
    get: () => Promise.resolve(task),
    retry: () => Promise.resolve({ ...task, id: 'retry-id', retryOf: task.id }),
    list: (query) =>
      Promise.resolve({
        tasks: [task],
        total: 31,
        totalIsLowerBound: query.q !== undefined,
        nextCursor: null,
      }),
    cancel: () => Promise.resolve(task),
  };
  const controller = new TasksController(service as TasksService, {} as TaskItemsService);

  const wire = {
    id: task.id,
    task_type: 'csv_processing',
    status: 'FAILED',
    created_at: '2026-01-02T03:04:05.678Z',
    started_at: '2026-01-02T03:04:06.000Z',
    completed_at: null,
    progress: 42.5,
    input_params: { num_rows: 10 },
    result_data: null,
    error_message: 'bad data',
    attempts: 1,
    retry_of: null,
    timeout_seconds: 3600,
    project: 'default',
    priority: 7,
    run_at: '2026-01-02T03:04:06.000Z',
    schedule_id: task.scheduleId,
  };

  it('answers a task in the wire shape, and nothing more', async () => {
    expect(await controller.get(task.id, OPEN_PRINCIPAL)).toStrictEqual(wire);
    expect(await controller.submit({ task_type: 'csv_processing' }, OPEN_PRINCIPAL)).toStrictEqual(
      wire,
    );
  });

  it('answers a page with its total', async () => {
    expect(await controller.list({ limit: 50, offset: 0 }, OPEN_PRINCIPAL)).toStrictEqual({
      tasks: [wire],
      total: 31,
      next_cursor: null,
    });
  });

  it('says when the total is a lower bound, and only then', async () => {
    expect(
      await controller.list({ limit: 50, offset: 0, q: 'quota' }, OPEN_PRINCIPAL),
    ).toStrictEqual({ tasks: [wire], total: 31, total_is_lower_bound: true, next_cursor: null });
  });

  it('answers a cancel with a message and the id, and a retry with the new task', async () => {
    expect(
      await controller.cancel(task.id, OPEN_PRINCIPAL, {} as AuthenticatedRequest),
    ).toStrictEqual({
      message: 'Task cancelled successfully',
      task_id: task.id,
    });
    expect(await controller.retry(task.id, OPEN_PRINCIPAL)).toMatchObject({
      id: 'retry-id',
      retry_of: task.id,
    });
  });
});
