import {
  checkCron,
  checkTimezone,
  dueFiring,
  fireTimeAfter,
  fireTimesAfter,
} from './cron-schedule';

const at = (iso: string): Date => new Date(iso);

/** The refusal's message; fails the test when the value was accepted. */
const refusal = (check: { ok: true } | { ok: false; msg: string }): string => {
  if (check.ok) throw new Error('accepted, though it should have been refused');
  return check.msg;
};

describe('checkCron', () => {
  it('accepts five fields and aliases, normalising spaces', () => {
    expect(checkCron('  */5  *  * * * ')).toEqual({ ok: true, cron: '*/5 * * * *' });
    expect(checkCron('@hourly')).toEqual({ ok: true, cron: '@hourly' });
    expect(checkCron('0 9 * * mon-fri')).toEqual({ ok: true, cron: '0 9 * * mon-fri' });
  });

  it('refuses seconds, whether as a sixth field or as an alias', () => {
    expect(refusal(checkCron('0 */5 * * * *'))).toContain('seconds (6 fields)');
    expect(refusal(checkCron('@secondly'))).toContain('more than once a minute');
  });

  it('refuses bad expressions with a message naming them', () => {
    expect(refusal(checkCron('61 * * * *'))).toMatch(
      /^cron '61 \* \* \* \*' is not a valid cron expression/,
    );
    expect(refusal(checkCron('every minute'))).toContain('5 fields');
    expect(refusal(checkCron(''))).toContain('1 to 200');
    expect(checkCron('0 0 31 2 *').ok).toBe(false);
  });
});

describe('checkTimezone', () => {
  it('answers the canonical name of a known zone', () => {
    expect(checkTimezone('Europe/Paris')).toEqual({ ok: true, timezone: 'Europe/Paris' });
    expect(checkTimezone('utc')).toEqual({ ok: true, timezone: 'UTC' });
  });

  it('refuses an unknown zone by name', () => {
    expect(refusal(checkTimezone('Mars/Olympus'))).toContain(
      "'Mars/Olympus' is not a known IANA time zone",
    );
  });
});

describe('fire times', () => {
  it('lists the next fire times strictly after a moment, in the schedule’s zone', () => {
    expect(
      fireTimesAfter('0 9 * * *', 'Europe/Paris', at('2026-01-01T08:00:00Z'), 3).map((d) =>
        d.toISOString(),
      ),
    ).toEqual(['2026-01-02T08:00:00.000Z', '2026-01-03T08:00:00.000Z', '2026-01-04T08:00:00.000Z']);
    // Summer time: 09:00 in Paris is 07:00 UTC.
    expect(fireTimeAfter('0 9 * * *', 'Europe/Paris', at('2026-07-01T00:00:00Z'))).toEqual(
      at('2026-07-01T07:00:00Z'),
    );
    expect(fireTimeAfter('* * * * *', 'UTC', at('2026-01-01T00:00:00Z'))).toEqual(
      at('2026-01-01T00:01:00Z'),
    );
  });
});

describe('dueFiring: the catch-up rule', () => {
  const everyMinute = { cron: '* * * * *', timezone: 'UTC' };

  it('is not due before its next run, nor when it has none (disabled)', () => {
    const now = at('2026-01-01T00:00:30Z');
    expect(dueFiring({ ...everyMinute, nextRunAt: at('2026-01-01T00:01:00Z') }, now)).toBeNull();
    expect(dueFiring({ ...everyMinute, nextRunAt: null }, now)).toBeNull();
  });

  it('fires the tick that came, and moves to the next one', () => {
    const tick = at('2026-01-01T00:01:00Z');
    expect(dueFiring({ ...everyMinute, nextRunAt: tick }, at('2026-01-01T00:01:00.200Z'))).toEqual({
      tick,
      next: at('2026-01-01T00:02:00Z'),
    });
  });

  it('fires once for many missed ticks, then continues after now', () => {
    const tick = at('2026-01-01T00:01:00Z');
    const now = at('2026-01-01T05:17:42Z');
    expect(dueFiring({ ...everyMinute, nextRunAt: tick }, now)).toEqual({
      tick,
      next: at('2026-01-01T05:18:00Z'),
    });
    // Hours later, a daily schedule that missed a day fires once and next runs tomorrow.
    const daily = { cron: '0 3 * * *', timezone: 'UTC', nextRunAt: at('2026-01-01T03:00:00Z') };
    expect(dueFiring(daily, at('2026-01-03T12:00:00Z'))?.next).toEqual(at('2026-01-04T03:00:00Z'));
  });
});
