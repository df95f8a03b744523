import {
  Attributes,
  context,
  propagation,
  ROOT_CONTEXT,
  Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { tracingState } from './tracing-state';

/** W3C trace context (traceparent, tracestate) as carried in a job's data. */
export type TraceCarrier = Record<string, string>;

const tracer = () => trace.getTracer('conveyor');

async function traced<T>(span: Span, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    span.recordException(error as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
    throw error;
  } finally {
    span.end();
  }
}

/** Runs `fn` in a child span of the active one; just runs it when tracing is off. */
export function inSpan<T>(name: string, attributes: Attributes, fn: () => Promise<T>): Promise<T> {
  if (!tracingState.on) return fn();
  return tracer().startActiveSpan(name, { attributes }, (span) => traced(span, fn));
}

/** The active trace context to put in a job; undefined when tracing is off. */
export function traceCarrier(): TraceCarrier | undefined {
  if (!tracingState.on) return undefined;
  const carrier: TraceCarrier = {};
  propagation.inject(context.active(), carrier);
  return Object.keys(carrier).length > 0 ? carrier : undefined;
}

/** Runs `fn` in a consumer span whose parent is the context a job carried (if any). */
export function inJobSpan<T>(
  name: string,
  carrier: TraceCarrier | undefined,
  attributes: Attributes,
  fn: () => Promise<T>,
): Promise<T> {
  if (!tracingState.on) return fn();
  const parent = carrier ? propagation.extract(ROOT_CONTEXT, carrier) : ROOT_CONTEXT;
  return tracer().startActiveSpan(name, { kind: SpanKind.CONSUMER, attributes }, parent, (span) =>
    traced(span, fn),
  );
}
