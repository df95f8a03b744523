import type { JsonObject, Schedule, ScheduleInput, TaskType } from '../api/types';

/** The form's fields as typed: text, so that a half-typed number is not lost. */
export interface ScheduleDraft {
  name: string;
  cron: string;
  timezone: string;
  taskType: TaskType;
  params: string;
  priority: string;
  timeoutSeconds: string;
  enabled: boolean;
}

export const EMPTY_DRAFT: ScheduleDraft = {
  name: '',
  cron: '0 * * * *',
  timezone: 'UTC',
  taskType: 'csv_processing',
  params: '{\n  "num_rows": 1000\n}',
  priority: '',
  timeoutSeconds: '',
  enabled: true,
};

export const draftOf = (schedule: Schedule): ScheduleDraft => ({
  name: schedule.name,
  cron: schedule.cron,
  timezone: schedule.timezone,
  taskType: schedule.task_type,
  params: JSON.stringify(schedule.input_params, null, 2),
  priority: schedule.priority === null ? '' : String(schedule.priority),
  timeoutSeconds: schedule.timeout_seconds === null ? '' : String(schedule.timeout_seconds),
  enabled: schedule.enabled,
});

const optionalInteger = (text: string, name: string): number | null => {
  if (text.trim() === '') return null;
  if (!/^\d+$/.test(text.trim())) throw new Error(`${name} must be a whole number`);
  return Number(text.trim());
};

/**
 * The request body a draft stands for; throws an Error naming the field when the parameters
 * are not a JSON object or a number is not a number. The API checks everything else.
 */
export function inputOf(draft: ScheduleDraft): ScheduleInput {
  let params: unknown;
  try {
    params = draft.params.trim() === '' ? {} : JSON.parse(draft.params);
  } catch {
    throw new Error('Parameters must be JSON, e.g. {"num_rows": 1000}');
  }
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    throw new Error('Parameters must be a JSON object, e.g. {"num_rows": 1000}');
  }
  return {
    name: draft.name.trim(),
    cron: draft.cron.trim(),
    timezone: draft.timezone.trim() || 'UTC',
    task_type: draft.taskType,
    input_params: params as JsonObject,
    priority: optionalInteger(draft.priority, 'Priority'),
    timeout_seconds: optionalInteger(draft.timeoutSeconds, 'Timeout'),
    enabled: draft.enabled,
  };
}
