import { MAX_DELAY_SECONDS, parseIsoDateTime, resolveStartTime, RUN_AT_RULE } from './start-time';

const NOW = new Date('2026-01-31T12:00:00.000Z');

describe('parseIsoDateTime', () => {
  it.each([
    ['2026-01-31T12:00:00Z', '2026-01-31T12:00:00.000Z'],
    ['2026-01-31T12:00Z', '2026-01-31T12:00:00.000Z'],
    ['2026-01-31T13:30:00.250+01:30', '2026-01-31T12:00:00.250Z'],
    ['2026-01-31T07:00:00-0500', '2026-01-31T12:00:00.000Z'],
    ['2028-02-29T00:00:00.123456Z', '2028-02-29T00:00:00.123Z'],
  ])('reads %s', (text, iso) => {
    expect(parseIsoDateTime(text)?.toISOString()).toBe(iso);
  });

  it.each([
    '2026-01-31T12:00:00', // no zone
    '2026-01-31',
    '2026-02-30T00:00:00Z',
    '2026-13-01T00:00:00Z',
    '2026-01-31T24:00:00Z',
    '2026-01-31T12:60:00Z',
    'tomorrow',
    '1769860800',
    '',
  ])('refuses %j', (text) => {
    expect(parseIsoDateTime(text)).toBeNull();
  });
});

describe('resolveStartTime', () => {
  it('starts now when neither is given', () => {
    expect(resolveStartTime(undefined, null, NOW)).toEqual({ runAt: null, scheduled: false });
  });

  it('schedules delay_seconds ahead of now', () => {
    expect(resolveStartTime(undefined, 90, NOW)).toEqual({
      runAt: new Date('2026-01-31T12:01:30.000Z'),
      scheduled: true,
    });
    expect(resolveStartTime(null, 0, NOW)).toEqual({ runAt: NOW, scheduled: false });
  });

  it('schedules a future run_at and runs a past one now', () => {
    expect(resolveStartTime('2026-02-01T00:00:00Z', undefined, NOW)).toEqual({
      runAt: new Date('2026-02-01T00:00:00Z'),
      scheduled: true,
    });
    expect(resolveStartTime('2020-01-01T00:00:00Z', undefined, NOW)).toEqual({
      runAt: new Date('2020-01-01T00:00:00Z'),
      scheduled: false,
    });
  });

  it('refuses both at once, a bad run_at and one past the cap', () => {
    expect(resolveStartTime('2026-02-01T00:00:00Z', 5, NOW)).toEqual([
      {
        loc: ['body', 'delay_seconds'],
        msg: 'Give run_at or delay_seconds, not both',
        type: 'value_error',
      },
    ]);
    expect(resolveStartTime('soon', undefined, NOW)).toEqual([
      expect.objectContaining({ loc: ['body', 'run_at'], msg: RUN_AT_RULE }),
    ]);
    const farthest = new Date(NOW.getTime() + MAX_DELAY_SECONDS * 1000).toISOString();
    expect(resolveStartTime(farthest, undefined, NOW)).toMatchObject({ scheduled: true });
    const beyond = new Date(NOW.getTime() + MAX_DELAY_SECONDS * 1000 + 1000).toISOString();
    expect(resolveStartTime(beyond, undefined, NOW)).toEqual([
      {
        loc: ['body', 'run_at'],
        msg: 'run_at must be at most 365 days ahead',
        type: 'value_error',
      },
    ]);
  });
});
