import {
  canTransition,
  RETRYABLE_STATUSES,
  sourcesOf,
  TASK_STATUSES,
  TaskStatus,
} from './task-status';

const ALLOWED: [TaskStatus, TaskStatus][] = [
  ['PENDING', 'RUNNING'],
  ['PENDING', 'CANCELLED'],
  ['RUNNING', 'SUCCESS'],
  ['RUNNING', 'FAILED'],
  ['RUNNING', 'CANCELLED'],
  ['RUNNING', 'PENDING'],
  ['SCHEDULED', 'PENDING'],
  ['SCHEDULED', 'CANCELLED'],
];

describe('task status transitions', () => {
  it('lists the statuses of the contract, SCHEDULED last', () => {
    expect([...TASK_STATUSES]).toEqual([
      'PENDING',
      'RUNNING',
      'SUCCESS',
      'FAILED',
      'CANCELLED',
      'SCHEDULED',
    ]);
  });

  it.each(ALLOWED)('allows %s → %s', (from, to) => {
    expect(canTransition(from, to)).toBe(true);
  });

  it('allows nothing else', () => {
    for (const from of TASK_STATUSES) {
      for (const to of TASK_STATUSES) {
        const allowed = ALLOWED.some(([f, t]) => f === from && t === to);
        expect([from, to, canTransition(from, to)]).toEqual([from, to, allowed]);
      }
    }
  });

  it('never moves a task out of a terminal status', () => {
    for (const from of ['SUCCESS', 'FAILED', 'CANCELLED'] as const) {
      for (const to of TASK_STATUSES) expect(canTransition(from, to)).toBe(false);
    }
  });

  it('gives the statuses an update to a status may start from', () => {
    expect(sourcesOf('RUNNING')).toEqual(['PENDING']);
    expect(sourcesOf('SUCCESS')).toEqual(['RUNNING']);
    expect(sourcesOf('FAILED')).toEqual(['RUNNING']);
    expect(sourcesOf('CANCELLED')).toEqual(['PENDING', 'RUNNING', 'SCHEDULED']);
    expect(sourcesOf('PENDING')).toEqual(['RUNNING', 'SCHEDULED']);
  });

  it('cancels only what can move to CANCELLED and retries only finished failures', () => {
    expect(sourcesOf('CANCELLED')).toEqual(['PENDING', 'RUNNING', 'SCHEDULED']);
    expect([...RETRYABLE_STATUSES]).toEqual(['FAILED', 'CANCELLED']);
  });
});
