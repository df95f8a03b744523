import { filterTarget, isoToLocal, localToIso, NO_FILTERS } from './search-filters';

describe('bulk action targets', () => {
  it('carry the search with the status the action is for, and nothing unset', () => {
    expect(filterTarget(NO_FILTERS, 'FAILED')).toStrictEqual({ filter: { status: 'FAILED' } });
    expect(
      filterTarget(
        {
          status: 'SUCCESS',
          taskType: 'email_sending',
          priority: 0,
          q: 'quota',
          createdAfter: '2026-01-01T00:00:00.000Z',
        },
        'PENDING',
      ),
    ).toStrictEqual({
      filter: {
        status: 'PENDING',
        task_type: 'email_sending',
        priority: 0,
        q: 'quota',
        created_after: '2026-01-01T00:00:00.000Z',
      },
    });
  });
});

describe('date range inputs', () => {
  it('turn a local time into ISO-8601 UTC and back', () => {
    const iso = localToIso('2026-03-04T05:06');
    expect(iso).toMatch(/^2026-03-0\dT\d\d:\d\d:00\.000Z$/);
    expect(isoToLocal(iso)).toBe('2026-03-04T05:06');
  });

  it('leave out an empty or bad value', () => {
    expect(localToIso('')).toBeUndefined();
    expect(localToIso('soon')).toBeUndefined();
    expect(isoToLocal(undefined)).toBe('');
  });
});
