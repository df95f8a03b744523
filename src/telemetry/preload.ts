import { tracingState } from './tracing-state';

/**
 * Imported first by main.ts, before Nest, Fastify or http are: with OTEL_EXPORTER_OTLP_ENDPOINT
 * set it starts the OpenTelemetry SDK, whose instrumentations must hook those modules before
 * anything requires them. Unset, the SDK is never loaded: no require, no hook, no cost.
 */
const endpoint = process.env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
if (endpoint) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when tracing is on, and synchronously, before what it instruments
  const { startTracing } = require('./otel') as typeof import('./otel');
  tracingState.shutdown = startTracing(
    process.env.OTEL_SERVICE_NAME?.trim() || `conveyor-${process.env.APP_ROLE?.trim() || 'all'}`,
  );
  tracingState.on = true;
}
