import { AggregatorRegistry, Registry } from 'prom-client';

/** One registry's metrics as prom-client gives them in JSON (what a process publishes). */
export type MetricSnapshot = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

/**
 * The Prometheus text of several processes' snapshots together: each family once, with the
 * samples of every process. Every process labels its own samples with `process`, so no two
 * snapshots share a label set and nothing is added up: a sum across processes is left to the
 * query (`sum by (task_type) (...)`), where a process that stops does not look like a counter
 * reset. prom-client's own aggregators (meant for cluster workers without such a label) would
 * drop or average some default metrics; here each is a plain union.
 */
export async function mergeSnapshots(snapshots: MetricSnapshot[]): Promise<string> {
  const union = snapshots.map((snapshot) =>
    snapshot.map((metric) => ({ ...metric, aggregator: 'sum' as const })),
  );
  return AggregatorRegistry.aggregate(union).metrics();
}

/** A snapshot read back from Redis, or undefined when it is not one (another version wrote it). */
export function parseSnapshot(text: string | null): MetricSnapshot | undefined {
  if (text === null) return undefined;
  try {
    const value = JSON.parse(text) as unknown;
    if (!Array.isArray(value)) return undefined;
    const valid = value.every(
      (metric: Partial<MetricSnapshot[number]>) =>
        typeof metric === 'object' &&
        metric !== null &&
        typeof metric.name === 'string' &&
        typeof metric.help === 'string' &&
        typeof metric.type === 'string' &&
        Array.isArray(metric.values),
    );
    return valid ? (value as MetricSnapshot) : undefined;
  } catch {
    return undefined;
  }
}
