/**
 * What an attack may add to the slowest /api/health answer (issue: "health answers in under a
 * second during each attack"). It is measured on top of the slowest answer of the same service
 * just before the attack, so that a machine busy with other suites does not count as the
 * attack's doing, while a blocked event loop (seconds) still does.
 */
export const HEALTH_BUDGET_MS = 1000;

export interface HealthDuring<T> {
  result: T;
  /** The slowest /api/health answer while the attack ran, in ms. */
  healthMs: number;
  /** The slowest of a few answers just before it, in ms. */
  baselineMs: number;
}

async function timedHealth(url: string): Promise<number> {
  const started = performance.now();
  const response = await fetch(`${url}/api/health`);
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`/api/health answered ${response.status}`);
  return performance.now() - started;
}

/**
 * Runs `attack` while another client asks /api/health over and over (at least `minProbes`
 * times, whatever the attack lasted), after a few answers taken as the baseline.
 */
export async function healthDuring<T>(
  url: string,
  attack: () => Promise<T>,
  { minProbes = 1 }: { minProbes?: number } = {},
): Promise<HealthDuring<T>> {
  let baselineMs = 0;
  for (let i = 0; i < 5; i++) baselineMs = Math.max(baselineMs, await timedHealth(url));
  let attacking = true;
  let slowest = 0;
  let probes = 0;
  const probing = (async () => {
    while (attacking || probes < minProbes) {
      slowest = Math.max(slowest, await timedHealth(url));
      probes++;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  try {
    const result = await attack();
    attacking = false;
    await probing;
    return { result, healthMs: Math.round(slowest), baselineMs: Math.round(baselineMs) };
  } finally {
    attacking = false;
    await probing.catch(() => undefined);
  }
}

/** The attack added less than HEALTH_BUDGET_MS to the service's slowest health answer. */
export function expectHealthUnaffected({ healthMs, baselineMs }: HealthDuring<unknown>): void {
  expect(healthMs).toBeLessThan(baselineMs + HEALTH_BUDGET_MS);
}
