import { ApiClient } from './utils/api-client';
import { DatabaseEnv, isolatedDatabase, TEST_DATABASE } from './utils/databases';
import { OtlpReceiver, ReceivedSpan } from './utils/otlp-receiver';
import { startService, TestService } from './utils/start-service';
import { waitFor } from './utils/wait-for';

/** SpanKind as OTLP numbers it. */
const SERVER = 2;
const CONSUMER = 5;

describe(`traces: one trace per task from the submit through the worker's run (${TEST_DATABASE})`, () => {
  let otlp: OtlpReceiver;
  let database: DatabaseEnv;
  let service: TestService;
  let api: ApiClient;

  beforeAll(async () => {
    otlp = await OtlpReceiver.start();
    database = isolatedDatabase();
    // API and worker in separate processes: the context crosses Redis in the job's data.
    service = await startService({
      APP_ROLE: 'api',
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
      OTEL_BSP_SCHEDULE_DELAY: '100',
      ...database.env,
    });
    service.spawnPeer({ APP_ROLE: 'worker' });
    api = new ApiClient(service.url);
  });

  afterAll(async () => {
    await service?.stop();
    await otlp?.close();
    await database?.drop();
  });

  it('sends the HTTP span, the SQL writes, the enqueue and the run as one trace', async () => {
    const task = await api.submit('csv_processing', { num_rows: 5 });
    await api.waitForStatus(task.id, ['SUCCESS'], 60_000);

    const run = await waitFor(
      "the worker's run span",
      () =>
        otlp.spans.find(
          (span) =>
            span.name === 'task.run csv_processing' &&
            span.attributes['conveyor.task_id'] === task.id,
        ),
      { timeoutMs: 30_000 },
    );
    const trace = (): ReceivedSpan[] => otlp.spans.filter((span) => span.traceId === run.traceId);
    const named = (name: string): ReceivedSpan | undefined =>
      trace().find((span) => span.name === name);
    await waitFor('the SUCCESS write in the trace', () => named('sql: mark task SUCCESS'));

    const http =
      trace().find((span) => span.kind === SERVER && span.attributes['http.route'] !== undefined) ??
      trace().find((span) => span.kind === SERVER);
    expect(http).toBeDefined();
    expect(http?.service).toBe('conveyor-api');
    expect(String(http?.attributes['http.request.method'] ?? http?.attributes['http.method'])).toBe(
      'POST',
    );
    expect(run.kind).toBe(CONSUMER);
    expect(run.service).toBe('conveyor-worker');
    expect(run.traceId).toMatch(/^[0-9a-f]{32}$/);

    const insert = named('sql: insert submitted task');
    const enqueue = named('enqueue csv_processing');
    expect(insert?.service).toBe('conveyor-api');
    expect(enqueue?.service).toBe('conveyor-api');
    // The run is the child of the enqueue, which was made in the HTTP request.
    expect(run.parentSpanId).toBe(enqueue?.spanId);
    const ancestry = (span: ReceivedSpan | undefined): string[] => {
      const ids: string[] = [];
      let current = span;
      while (current?.parentSpanId) {
        ids.push(current.parentSpanId);
        current = trace().find((candidate) => candidate.spanId === current?.parentSpanId);
      }
      return ids;
    };
    expect(ancestry(enqueue)).toContain(http?.spanId);
    expect(ancestry(insert)).toContain(http?.spanId);
    // The worker's writes are children of its run.
    expect(named('sql: mark task RUNNING')?.parentSpanId).toBe(run.spanId);
    expect(named('sql: mark task SUCCESS')?.parentSpanId).toBe(run.spanId);
    expect(otlp.contentTypes[0]).toContain('application/json');

    // Another task is another trace.
    const other = await api.submit('csv_processing', { num_rows: 5 });
    const otherRun = await waitFor('the second run span', () =>
      otlp.spans.find(
        (span) => span.attributes['conveyor.task_id'] === other.id && span.kind === CONSUMER,
      ),
    );
    expect(otherRun.traceId).not.toBe(run.traceId);
  });
});
