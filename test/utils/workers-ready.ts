import { waitFor } from './wait-for';

interface HealthBody {
  checks?: { workers?: Record<string, number | null> };
}

/** Waits until every queue has a worker connected, as /api/health counts them. */
export async function waitForWorkers(baseUrl: string, timeoutMs = 60_000): Promise<void> {
  await waitFor(
    'a worker on every queue',
    async () => {
      const response = await fetch(`${baseUrl}/api/health`);
      const body = (await response.json()) as HealthBody;
      const counts = Object.values(body.checks?.workers ?? {});
      return counts.length > 0 && counts.every((count) => (count ?? 0) > 0);
    },
    { timeoutMs, intervalMs: 100 },
  );
}
