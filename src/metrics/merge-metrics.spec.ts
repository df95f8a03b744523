import { Counter, Histogram, Registry } from 'prom-client';
import { fleetGauges } from './fleet-gauges';
import { mergeSnapshots, MetricSnapshot, parseSnapshot } from './merge-metrics';

async function processSnapshot(process: string, finished: number): Promise<MetricSnapshot> {
  const registry = new Registry();
  registry.setDefaultLabels({ process, role: 'worker' });
  const counter = new Counter({
    name: 'conveyor_tasks_finished_total',
    help: 'finished',
    labelNames: ['task_type', 'status'],
    registers: [registry],
  });
  counter.inc({ task_type: 'csv_processing', status: 'SUCCESS' }, finished);
  const histogram = new Histogram({
    name: 'conveyor_task_duration_seconds',
    help: 'duration',
    labelNames: ['task_type'],
    buckets: [1, 10],
    registers: [registry],
  });
  histogram.observe({ task_type: 'csv_processing' }, 2);
  return registry.getMetricsAsJSON();
}

describe('mergeSnapshots', () => {
  it('lists each family once, with every process its own series', async () => {
    const text = await mergeSnapshots([
      await processSnapshot('a', 2),
      await processSnapshot('b', 3),
    ]);
    expect(text.match(/^# TYPE conveyor_tasks_finished_total counter$/gm)).toHaveLength(1);
    expect(text).toContain(
      'conveyor_tasks_finished_total{task_type="csv_processing",status="SUCCESS",process="a",role="worker"} 2',
    );
    expect(text).toContain(
      'conveyor_tasks_finished_total{task_type="csv_processing",status="SUCCESS",process="b",role="worker"} 3',
    );
    expect(text).toMatch(
      /conveyor_task_duration_seconds_bucket\{le="10",task_type="csv_processing",process="b",role="worker"\} 1/,
    );
    expect(text.match(/^conveyor_task_duration_seconds_count/gm)).toHaveLength(2);
  });

  it('keeps metrics that prom-client would omit or average across cluster workers', async () => {
    const snapshot = (process: string): MetricSnapshot => [
      {
        name: 'process_start_time_seconds',
        help: 'start',
        type: 'gauge',
        aggregator: 'omit',
        values: [{ value: 100, labels: { process } }],
      } as unknown as MetricSnapshot[number],
    ];
    const text = await mergeSnapshots([snapshot('a'), snapshot('b')]);
    expect(text).toContain('process_start_time_seconds{process="a"} 100');
    expect(text).toContain('process_start_time_seconds{process="b"} 100');
  });
});

describe('parseSnapshot', () => {
  it('reads back what a process published', async () => {
    const snapshot = await processSnapshot('a', 1);
    expect(parseSnapshot(JSON.stringify(snapshot))).toEqual(JSON.parse(JSON.stringify(snapshot)));
  });

  it.each([null, 'not json', '{}', '[{"name":1}]'])('skips %p', (text) => {
    expect(parseSnapshot(text)).toBeUndefined();
  });
});

describe('fleetGauges', () => {
  it('lists every type and status, 0 where there is none, and leaves out what was not read', async () => {
    const text = await mergeSnapshots([
      await fleetGauges({
        taskCounts: [{ taskType: 'email_sending', status: 'SUCCESS', count: 7 }],
        workers: [['csv_processing', 'email_sending'], ['csv_processing']],
      }),
    ]);
    expect(text).toContain('conveyor_tasks{task_type="email_sending",status="SUCCESS"} 7');
    expect(text).toContain('conveyor_tasks{task_type="image_processing",status="PENDING"} 0');
    expect(text).toContain('conveyor_workers{task_type="csv_processing"} 2');
    expect(text).toContain('conveyor_workers{task_type="email_sending"} 1');
    expect(text).toContain('conveyor_workers{task_type="image_processing"} 0');
    expect(text).not.toContain('conveyor_queue_waiting');
  });
});
