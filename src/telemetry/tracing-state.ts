/**
 * Whether OpenTelemetry tracing was started (OTEL_EXPORTER_OTLP_ENDPOINT set). Kept apart from
 * the SDK so that code which makes spans can ask without loading it.
 */
export const tracingState: { on: boolean; shutdown: () => Promise<void> } = {
  on: false,
  shutdown: () => Promise.resolve(),
};
