import { DEFAULT_PRIORITY, jobPriorityOf, MAX_PRIORITY, MIN_PRIORITY } from './priority';

describe('jobPriorityOf', () => {
  it('gives every task priority a BullMQ priority of 1 or more (0 would mean none)', () => {
    for (let p = MIN_PRIORITY; p <= MAX_PRIORITY; p++) expect(jobPriorityOf(p)).toBeGreaterThan(0);
  });

  it('orders them: a larger task priority is a smaller BullMQ number, which runs first', () => {
    expect(jobPriorityOf(10)).toBe(1);
    expect(jobPriorityOf(DEFAULT_PRIORITY)).toBe(6);
    expect(jobPriorityOf(0)).toBe(11);
    for (let p = MIN_PRIORITY; p < MAX_PRIORITY; p++) {
      expect(jobPriorityOf(p + 1)).toBeLessThan(jobPriorityOf(p));
    }
  });

  it('refuses what is not a task priority', () => {
    for (const bad of [-1, 11, 2.5, Number.NaN])
      expect(() => jobPriorityOf(bad)).toThrow(RangeError);
  });
});
