import { CronExpression, CronExpressionParser } from 'cron-parser';

/** How many coming fire times an answer lists. */
export const PREVIEW_RUNS = 5;
/** Longest cron expression accepted: the longest sensible one is far shorter. */
export const CRON_MAX_LENGTH = 200;

export type CronCheck = { ok: true; cron: string } | { ok: false; msg: string };
export type ZoneCheck = { ok: true; timezone: string } | { ok: false; msg: string };

const FIELDS_HINT = 'minute hour day-of-month month day-of-week, e.g. "*/15 * * * *"';

/**
 * The IANA time zone `name` as the runtime spells it ("europe/paris" → "Europe/Paris"), or
 * why it is refused.
 */
export function checkTimezone(name: string): ZoneCheck {
  if (name.length === 0 || name.length > 64) {
    return {
      ok: false,
      msg: 'timezone must be an IANA time zone name such as Europe/Paris or UTC',
    };
  }
  try {
    const timezone = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions()
      .timeZone;
    return { ok: true, timezone };
  } catch {
    return {
      ok: false,
      msg: `timezone '${name}' is not a known IANA time zone; use a name such as Europe/Paris, America/New_York or UTC`,
    };
  }
}

const parse = (cron: string, timezone: string, after?: Date): CronExpression =>
  CronExpressionParser.parse(cron, { tz: timezone, currentDate: after ?? new Date() });

/**
 * A standard five-field cron expression (or an alias such as @hourly), or why it is refused:
 * six fields (seconds) are refused, since a schedule fires at most once a minute.
 */
export function checkCron(raw: string): CronCheck {
  const cron = raw.trim().replace(/\s+/g, ' ');
  if (cron.length === 0 || cron.length > CRON_MAX_LENGTH) {
    return { ok: false, msg: `cron must be 1 to ${CRON_MAX_LENGTH} characters: ${FIELDS_HINT}` };
  }
  const fields = cron.split(' ').length;
  if (!cron.startsWith('@') && fields === 6) {
    return {
      ok: false,
      msg: `cron with seconds (6 fields) is not supported; use 5 fields: ${FIELDS_HINT}`,
    };
  }
  if (!cron.startsWith('@') && fields !== 5) {
    return { ok: false, msg: `cron must have 5 fields (it has ${fields}): ${FIELDS_HINT}` };
  }
  let expression: CronExpression;
  try {
    expression = parse(cron, 'UTC');
  } catch (error) {
    return {
      ok: false,
      msg: `cron '${cron}' is not a valid cron expression (${(error as Error).message}): ${FIELDS_HINT}`,
    };
  }
  const seconds = expression.fields.second.values;
  if (seconds.length !== 1 || seconds[0] !== 0) {
    return { ok: false, msg: `cron '${cron}' fires more than once a minute; ${FIELDS_HINT}` };
  }
  try {
    expression.next();
  } catch (error) {
    return {
      ok: false,
      msg: `cron '${cron}' never fires (${(error as Error).message}): ${FIELDS_HINT}`,
    };
  }
  return { ok: true, cron };
}

/** The next `count` fire times strictly after `after`, for an expression checkCron accepted. */
export function fireTimesAfter(cron: string, timezone: string, after: Date, count: number): Date[] {
  return parse(cron, timezone, after)
    .take(count)
    .map((date) => date.toDate());
}

/** The first fire time strictly after `after`, or null should there be none. */
export function fireTimeAfter(cron: string, timezone: string, after: Date): Date | null {
  return fireTimesAfter(cron, timezone, after, 1)[0] ?? null;
}

export interface Firing {
  /** The tick being fired: the stored next_run_at, which the claim must still find. */
  tick: Date;
  /** What next_run_at becomes: the first fire time after `now`. */
  next: Date | null;
}

/**
 * The catch-up rule. A schedule is due when its next_run_at has come. It then fires ONCE, for
 * that tick, however many ticks have passed since (the service was down, say), and its next
 * run is the first fire time after `now`: missed ticks are not replayed one by one.
 */
export function dueFiring(
  schedule: { cron: string; timezone: string; nextRunAt: Date | null },
  now: Date,
): Firing | null {
  const tick = schedule.nextRunAt;
  if (!tick || tick.getTime() > now.getTime()) return null;
  const after = new Date(Math.max(now.getTime(), tick.getTime()));
  return { tick, next: fireTimeAfter(schedule.cron, schedule.timezone, after) };
}
