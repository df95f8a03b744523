import { ValidationProblem } from '../core/validation-problem';

/** The furthest ahead a task may be scheduled: 365 days, as run_at or as delay_seconds. */
export const MAX_DELAY_SECONDS = 365 * 86_400;

export const RUN_AT_RULE =
  'run_at must be an ISO-8601 date and time with a time zone, e.g. 2026-01-31T12:00:00Z';
export const DELAY_RULE = `delay_seconds must be an integer from 0 to ${MAX_DELAY_SECONDS} (365 days)`;

/** YYYY-MM-DDTHH:MM[:SS[.fff…]] followed by Z or ±HH:MM (a zone is required: no guessing). */
const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))$/;

/** The instant an ISO-8601 date and time names, or null when it is not one (2026-02-30…). */
export function parseIsoDateTime(text: string): Date | null {
  const match = ISO_DATE_TIME.exec(text);
  if (!match) return null;
  const [, y, mo, d, h, mi, s = '0', fraction = '0', zulu, sign, oh, om] = match;
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s].map(Number);
  const offsetMinutes = zulu ? 0 : (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om));
  if (hour > 23 || minute > 59 || second > 59 || Number(oh ?? 0) > 23 || Number(om ?? 0) > 59) {
    return null;
  }
  const local = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(local);
  // Date.UTC rolls 2026-02-30 over to March: a date that does not round-trip does not exist.
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1) return null;
  if (check.getUTCDate() !== day) return null;
  const millis = Math.floor(Number(`0.${fraction}`) * 1000);
  return new Date(local + millis - offsetMinutes * 60_000);
}

/** When a submitted task is to start: `runAt` null means now. */
export interface StartTime {
  runAt: Date | null;
  /** True when runAt is still ahead: the task is SCHEDULED, not PENDING. */
  scheduled: boolean;
}

/**
 * Reads run_at or delay_seconds (their types already checked). Both at once is refused; a
 * run_at already past runs the task now (a clock a little behind should not fail a submit);
 * more than MAX_DELAY_SECONDS ahead is refused.
 */
export function resolveStartTime(
  runAt: string | null | undefined,
  delaySeconds: number | null | undefined,
  now: Date,
): StartTime | ValidationProblem[] {
  const hasRunAt = runAt !== undefined && runAt !== null;
  const hasDelay = delaySeconds !== undefined && delaySeconds !== null;
  if (hasRunAt && hasDelay) {
    return [
      {
        loc: ['body', 'delay_seconds'],
        msg: 'Give run_at or delay_seconds, not both',
        type: 'value_error',
      },
    ];
  }
  if (hasDelay) {
    const at = new Date(now.getTime() + delaySeconds * 1000);
    return { runAt: at, scheduled: delaySeconds > 0 };
  }
  if (!hasRunAt) return { runAt: null, scheduled: false };
  const at = parseIsoDateTime(runAt);
  if (at === null) return [{ loc: ['body', 'run_at'], msg: RUN_AT_RULE, type: 'value_error' }];
  if (at.getTime() - now.getTime() > MAX_DELAY_SECONDS * 1000) {
    return [
      {
        loc: ['body', 'run_at'],
        msg: 'run_at must be at most 365 days ahead',
        type: 'value_error',
      },
    ];
  }
  return { runAt: at, scheduled: at.getTime() > now.getTime() };
}
