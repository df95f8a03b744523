/** The one list of task types; every map keyed by TaskType must cover them all. */
export const TASK_TYPES = ['csv_processing', 'email_sending', 'image_processing'] as const;
export type TaskType = (typeof TASK_TYPES)[number];

export const isTaskType = (value: unknown): value is TaskType =>
  typeof value === 'string' && (TASK_TYPES as readonly string[]).includes(value);
