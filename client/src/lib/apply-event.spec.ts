import type { Task, TaskEvent } from '../api/types';
import { applyEvent, reconcile } from './apply-event';

const task = (overrides: Partial<Task> = {}): Task => ({
  id: 't1',
  task_type: 'csv_processing',
  status: 'PENDING',
  created_at: '2026-01-01T00:00:00.000Z',
  started_at: null,
  completed_at: null,
  progress: 0,
  input_params: {},
  result_data: null,
  error_message: null,
  attempts: 0,
  retry_of: null,
  timeout_seconds: 3600,
  project: 'default',
  priority: 5,
  run_at: null,
  ...overrides,
});

const event = (overrides: Partial<TaskEvent>): TaskEvent => ({
  type: 'progress',
  task_id: 't1',
  task_type: 'csv_processing',
  status: 'RUNNING',
  progress: 0,
  at: '2026-01-01T00:00:01.000Z',
  ...overrides,
});

describe('applyEvent', () => {
  it('moves a task to RUNNING and forward on progress', () => {
    const running = applyEvent(task(), event({ type: 'status', status: 'RUNNING' }));
    expect(running).toMatchObject({ status: 'RUNNING', progress: 0 });
    expect(applyEvent(running, event({ progress: 40 }))).toMatchObject({ progress: 40 });
  });

  it('never moves progress back', () => {
    const at60 = task({ status: 'RUNNING', progress: 60 });
    expect(applyEvent(at60, event({ progress: 40 }))).toBe(at60);
  });

  it('keeps a finished task as it is, whatever arrives late', () => {
    const done = task({ status: 'SUCCESS', progress: 100 });
    expect(applyEvent(done, event({ progress: 99 }))).toBe(done);
    expect(applyEvent(done, event({ type: 'status', status: 'RUNNING' }))).toBe(done);
  });

  it('moves a SCHEDULED task to PENDING when it comes due', () => {
    const scheduled = task({ status: 'SCHEDULED', run_at: '2026-01-01T00:01:00.000Z' });
    expect(
      applyEvent(scheduled, event({ type: 'status', status: 'PENDING', progress: 0 })),
    ).toEqual({ ...scheduled, status: 'PENDING' });
  });

  it('ignores events of other tasks', () => {
    const mine = task();
    expect(applyEvent(mine, event({ task_id: 'other', progress: 50 }))).toBe(mine);
  });
});

describe('reconcile', () => {
  it('keeps a fetched task that is as far along as the last event', () => {
    const fetched = task({ status: 'SUCCESS', progress: 100 });
    expect(reconcile(fetched, event({ progress: 90 }))).toBe(fetched);
  });

  it('applies an event newer than a page fetched before it', () => {
    const stale = task({ status: 'RUNNING', progress: 20 });
    expect(
      reconcile(stale, event({ type: 'status', status: 'SUCCESS', progress: 100 })),
    ).toMatchObject({ status: 'SUCCESS', progress: 100 });
    expect(reconcile(stale, event({ progress: 70 }))).toMatchObject({ progress: 70 });
  });
});
