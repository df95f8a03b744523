export const APP_ROLES = ['api', 'worker', 'all'] as const;
export type AppRole = (typeof APP_ROLES)[number];

export const servesHttp = (role: AppRole): boolean => role !== 'worker';
export const runsWorkers = (role: AppRole): boolean => role !== 'api';
