/** The probe routes: answered often and by machines, so neither logged per request nor traced. */
export const HEALTH_PATHS: ReadonlySet<string> = new Set([
  '/api/health',
  '/api/health/live',
  '/api/health/ready',
]);

export const isHealthProbe = (url: string | undefined): boolean =>
  HEALTH_PATHS.has((url ?? '').split('?')[0]);
