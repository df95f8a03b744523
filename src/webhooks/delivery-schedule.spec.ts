import { deliverySchedule, retryDelays } from './delivery-schedule';

const DAY_MS = 86_400_000;

describe('deliverySchedule', () => {
  it('puts the last of 15 tries 24 h after the first, each wait twice the one before', () => {
    const schedule = deliverySchedule(15, DAY_MS);
    expect(schedule.attempts).toBe(15);
    expect(schedule.backoff.type).toBe('exponential');
    const delays = retryDelays(schedule);
    expect(delays).toHaveLength(14);
    for (let i = 1; i < delays.length; i++) expect(delays[i]).toBe(2 * delays[i - 1]);
    const total = delays.reduce((sum, delay) => sum + delay, 0);
    // Rounding the first delay to a whole ms moves the end by at most 2^14 ms.
    expect(Math.abs(total - DAY_MS)).toBeLessThan(20_000);
    expect(delays[0]).toBeGreaterThan(1000);
  });

  it('scales to a short window for tests', () => {
    const delays = retryDelays(deliverySchedule(3, 2100));
    expect(delays).toEqual([700, 1400]);
  });

  it('makes one try without backoff when attempts is 1', () => {
    expect(deliverySchedule(1, DAY_MS)).toEqual({
      attempts: 1,
      backoff: { type: 'exponential', delay: 0 },
    });
  });
});
