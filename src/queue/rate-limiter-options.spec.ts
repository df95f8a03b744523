import { rateLimiterOptions } from './rate-limiter-options';

describe('rateLimiterOptions', () => {
  it('sets no limiter when no rate is set', () => {
    expect(rateLimiterOptions(undefined)).toBeUndefined();
  });

  it('allows a whole rate that many starts per second', () => {
    expect(rateLimiterOptions(2)).toEqual({ max: 2, duration: 1000 });
  });

  it('spaces a rate below one start per second', () => {
    expect(rateLimiterOptions(0.5)).toEqual({ max: 1, duration: 2000 });
  });

  it('spaces a fractional rate one start at a time rather than rounding it up', () => {
    expect(rateLimiterOptions(2.5)).toEqual({ max: 1, duration: 400 });
  });
});
