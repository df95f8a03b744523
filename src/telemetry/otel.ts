import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { isHealthProbe } from '../health/health-paths';

/**
 * Starts the SDK: spans of incoming and outgoing HTTP, plus the manual ones (SQL writes, enqueue, a
 * worker's run), batched to OTLP over HTTP at OTEL_EXPORTER_OTLP_ENDPOINT (the exporter reads it
 * and the other OTEL_* settings itself). W3C trace context is the propagator. Returns what flushes
 * and stops it.
 */
export function startTracing(serviceName: string): () => Promise<void> {
  const sdk = new NodeSDK({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
    instrumentations: [
      new HttpInstrumentation({
        // Health probes and the dashboard's files are not worth a trace each.
        ignoreIncomingRequestHook: (request) =>
          isHealthProbe(request.url) || !(request.url ?? '').startsWith('/api/'),
      }),
    ],
  });
  sdk.start();
  return () => sdk.shutdown().catch(() => undefined);
}
