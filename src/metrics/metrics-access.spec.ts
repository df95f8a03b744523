import { routeLabel } from './http-metrics';
import { isMetricsToken, mayReadMetrics } from './metrics-access';

describe('isMetricsToken', () => {
  const token = 's'.repeat(40);
  it('accepts the token alone', () => {
    expect(isMetricsToken(token, token)).toBe(true);
    expect(isMetricsToken(`${token}x`, token)).toBe(false);
    expect(isMetricsToken('s', token)).toBe(false);
    expect(isMetricsToken(undefined, token)).toBe(false);
  });

  it('accepts nothing when METRICS_TOKEN is unset', () => {
    expect(isMetricsToken(token, undefined)).toBe(false);
  });
});

describe('mayReadMetrics', () => {
  it('lets keys of every project and open mode read, not a key bound to one project', () => {
    expect(mayReadMetrics({ project: '*', via: 'key' })).toBe(true);
    expect(mayReadMetrics({ project: 'default', via: 'open' })).toBe(true);
    expect(mayReadMetrics({ project: 'alpha', via: 'key' })).toBe(false);
    expect(mayReadMetrics({ project: 'alpha', via: 'session' })).toBe(false);
  });
});

describe('routeLabel', () => {
  it('names the route template, never the path with its ids', () => {
    expect(routeLabel('/api/tasks/:id', '/api/tasks/0b0e?x=1')).toBe('/api/tasks/:id');
  });

  it('groups what no route took', () => {
    expect(routeLabel(undefined, '/api/nothing/123')).toBe('unmatched');
    // The dashboard's catch-all route takes an unknown /api path too; it is still unmatched.
    expect(routeLabel('*', '/api/nothing/123')).toBe('unmatched');
    expect(routeLabel('*', '/assets/app-1234.js')).toBe('static');
    expect(routeLabel(undefined, '/favicon.ico')).toBe('static');
  });
});
