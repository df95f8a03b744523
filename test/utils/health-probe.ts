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

export interface HealthProbe {
  /** Stops probing (after at least `minProbes` answers) and reports the slowest answer. */
  stop(): Promise<Omit<HealthDuring<unknown>, 'result'>>;
}

/**
 * Takes a few answers as the baseline, then asks /api/health over and over from another
 * client until stopped. For attacks whose steps are spread over a test; `healthDuring` is the
 * one-call form.
 */
export async function startHealthProbe(
  url: string,
  { minProbes = 1 }: { minProbes?: number } = {},
): Promise<HealthProbe> {
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
  // A failed probe (non-200) rejects `probing`; it is reported by stop(), not left unhandled.
  probing.catch(() => undefined);
  return {
    async stop() {
      attacking = false;
      await probing;
      return { healthMs: Math.round(slowest), baselineMs: Math.round(baselineMs) };
    },
  };
}

/** Runs `attack` while a health probe runs (see startHealthProbe). */
export async function healthDuring<T>(
  url: string,
  attack: () => Promise<T>,
  options: { minProbes?: number } = {},
): Promise<HealthDuring<T>> {
  const probe = await startHealthProbe(url, options);
  let result: T;
  try {
    result = await attack();
  } catch (error) {
    await probe.stop().catch(() => undefined);
    throw error;
  }
  return { result, ...(await probe.stop()) };
}

/** The attack added less than HEALTH_BUDGET_MS to the service's slowest health answer. */
export function expectHealthUnaffected({
  healthMs,
  baselineMs,
}: Omit<HealthDuring<unknown>, 'result'>): void {
  expect(healthMs).toBeLessThan(baselineMs + HEALTH_BUDGET_MS);
}
