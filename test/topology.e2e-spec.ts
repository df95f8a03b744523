import sharp from 'sharp';
import type { TaskEvent } from '../src/events/task-event';
import type { TaskResponse } from '../src/tasks/dto/task.response';
import { recordFaultRow } from './utils/fault-report';
import { faultScale } from './utils/fault-scale';
import { SseReader } from './utils/sse-reader';
import { duplicateSuccesses } from './utils/success-logs';
import { readTaskRows, settleTasks } from './utils/task-rows';
import { Topology, TopologyApi, TopologyProcess } from './utils/topology';
import { upload } from './utils/upload';
import { waitFor } from './utils/wait-for';

// Full size under `npm run test:faults`; `npm test` checks the same with fewer tasks.
const FAULT_TASKS = faultScale(300, 60);
const API_COUNT = 2;
const WORKER_COUNT = 3;
const FINISHED = ['SUCCESS', 'FAILED', 'CANCELLED'];

/** The ids of the tasks a process logged as started, or as succeeded. */
const logged = (member: TopologyProcess, msg: string): Set<string> =>
  new Set(
    member.process
      .logs()
      .filter((line) => line.msg === msg && typeof line.task_id === 'string')
      .map((line) => line.task_id as string),
  );

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

// Always on PostgreSQL: with SQLite the processes would have to share DATA_DIR, which is what
// this suite proves they need not (test/run-e2e.mjs runs it in the PostgreSQL pass only).
describe(`${API_COUNT} APIs and ${WORKER_COUNT} workers on a Redis Cluster, PostgreSQL and S3, no shared DATA_DIR`, () => {
  let topology: Topology;
  let api1: TopologyApi;
  let api2: TopologyApi;
  const figures: string[] = [];

  beforeAll(async () => {
    const begin = Date.now();
    topology = await Topology.start({ apis: API_COUNT, workers: WORKER_COUNT });
    [api1, api2] = topology.apis;
    figures.push(`started in ${seconds(Date.now() - begin)}`);
  }, 300_000);

  afterAll(async () => {
    console.log(`[topology] ${figures.join('; ')}`);
    await topology?.stop();
  });

  /** Submits csv tasks of `processingTime` seconds, alternately through each API, 50 at a time. */
  async function submitMany(count: number, processingTime: number): Promise<TaskResponse[]> {
    const tasks: TaskResponse[] = [];
    for (let from = 0; from < count; from += 50) {
      const batch = Math.min(50, count - from);
      tasks.push(
        ...(await Promise.all(
          Array.from({ length: batch }, (_, index) =>
            topology.apis[(from + index) % API_COUNT].api.submit('csv_processing', {
              num_rows: 10,
              processing_time: processingTime,
            }),
          ),
        )),
      );
    }
    return tasks;
  }

  /** How many of the tasks have succeeded, read from their rows. */
  async function succeeded(ids: string[]): Promise<number> {
    const wanted = new Set(ids);
    const rows = await readTaskRows(topology.database, '');
    return rows.filter((row) => wanted.has(row.id) && row.status === 'SUCCESS').length;
  }

  it('processes an upload made through API 1 on some worker and serves its outputs through API 2', async () => {
    const image = await sharp({
      create: { width: 300, height: 200, channels: 3, background: '#3366cc' },
    })
      .png()
      .toBuffer();
    const uploaded = await upload(api1.url, image, 'photo.png');
    expect(uploaded.status).toBe(201);
    const fileId = uploaded.body.file_id as string;
    // API 2 has no file of its own: it reads the upload's metadata and bytes from the shared stores.
    expect((await api2.api.request('GET', `/api/files/${fileId}`)).status).toBe(200);

    const task = await api1.api.submit('image_processing', {
      file_ids: [fileId],
      target_width: 64,
      target_height: 48,
      format: 'png',
    });
    const done = await api2.api.waitForStatus(task.id, FINISHED, 60_000);
    expect([done.status, done.error_message]).toEqual(['SUCCESS', null]);
    const [output] = (done.result_data as { images: { url: string; thumbnail_url: string }[] })
      .images;
    const downloaded = await fetch(`${api2.url}${output.url}`);
    expect(downloaded.status).toBe(200);
    const metadata = await sharp(Buffer.from(await downloaded.arrayBuffer())).metadata();
    expect([metadata.width, metadata.height, metadata.format]).toEqual([64, 48, 'png']);
    expect((await fetch(`${api1.url}${output.thumbnail_url}`)).status).toBe(200);

    // A CSV uploaded through API 2, analysed from the bucket, read back through API 1.
    const csv = await upload(
      api2.url,
      Buffer.from('region,amount\nnorth,3\nsouth,4\n'),
      'sales.csv',
    );
    expect(csv.status).toBe(201);
    const analysis = await api1.api.submit('csv_processing', { file_id: csv.body.file_id });
    const analysed = await api1.api.waitForStatus(analysis.id, FINISHED, 60_000);
    expect(analysed.status).toBe('SUCCESS');
    expect(analysed.result_data).toMatchObject({ total_rows: 2 });

    const runners = topology.workers.filter((worker) => logged(worker, 'succeeded').has(task.id));
    expect(runners).toHaveLength(1);
    // Nothing of either task is in any process's own DATA_DIR: it is all in the bucket.
    const local = Object.entries(topology.filesInDataDirs()).flatMap(([name, files]) =>
      files
        .filter((file) =>
          [fileId, task.id, csv.body.file_id as string].some((id) => file.includes(id)),
        )
        .map((file) => `${name}: ${file}`),
    );
    expect(local).toEqual([]);
    expect((await topology.s3.keys('')).some((key) => key.includes(task.id))).toBe(true);
  }, 600_000);

  it("streams every worker's events to the clients of both APIs", async () => {
    const streams = await Promise.all(
      topology.apis.map((api) => SseReader.open(`${api.url}/api/events`)),
    );
    try {
      // Enough at once that every worker takes some (4 CSV slots each).
      const tasks = await submitMany(faultScale(90, 36), 0.3);
      const ids = tasks.map((task) => task.id);
      const seen = (stream: SseReader): Set<string> =>
        new Set(
          stream.messages
            .filter((message) => message.event === 'status')
            .map((message) => JSON.parse(message.data) as TaskEvent)
            .filter((event) => event.status === 'SUCCESS')
            .map((event) => event.task_id),
        );
      for (const [index, stream] of streams.entries()) {
        await waitFor(
          `API ${index + 1}'s stream to show all ${ids.length} tasks succeeding`,
          () => {
            if (stream.failure) throw stream.failure;
            const success = seen(stream);
            return ids.every((id) => success.has(id));
          },
          { timeoutMs: 120_000, intervalMs: 100 },
        );
      }
      const ranBy = topology
        .liveWorkers()
        .map((worker) => ids.filter((id) => logged(worker, 'succeeded').has(id)));
      figures.push(`tasks per worker in the SSE run: ${ranBy.map((ran) => ran.length).join('/')}`);
      expect(ranBy).toHaveLength(WORKER_COUNT);
      for (const ran of ranBy) expect(ran.length).toBeGreaterThan(0);
    } finally {
      for (const stream of streams) stream.close();
    }
  }, 600_000);

  it('cancels through API 1 a task that API 2 accepted and another process runs', async () => {
    const task = await api2.api.submit('csv_processing', { num_rows: 10, processing_time: 120 });
    await api1.api.waitForStatus(task.id, ['RUNNING'], 60_000);
    const runner = await waitFor('the worker running the task to say so', () =>
      topology.workers.find((worker) => logged(worker, 'started').has(task.id)),
    );
    const cancelledAt = Date.now();
    expect((await api1.api.request('DELETE', `/api/tasks/${task.id}`)).status).toBe(200);
    expect((await api2.api.waitForStatus(task.id, FINISHED, 30_000)).status).toBe('CANCELLED');
    await waitFor(
      `${runner.name} to stop the cancelled run`,
      () => logged(runner, 'stopped: cancelled').has(task.id),
      { timeoutMs: 30_000 },
    );
    figures.push(`cancel to stopped run: ${seconds(Date.now() - cancelledAt)}`);
    expect(logged(runner, 'succeeded').has(task.id)).toBe(false);
  }, 600_000);

  it('re-runs the tasks of a worker SIGKILLed mid-run on the others: none lost, stuck or run twice', async () => {
    const tasks = await submitMany(FAULT_TASKS, 0.2);
    const ids = tasks.map((task) => task.id);
    await waitFor(
      `a third of ${ids.length} tasks to succeed`,
      async () => (await succeeded(ids)) >= ids.length / 3,
      { timeoutMs: 180_000, intervalMs: 200 },
    );
    // The busiest live worker: the one that has started the most of these tasks.
    const [victim] = topology
      .liveWorkers()
      .map((worker) => ({ worker, started: ids.filter((id) => logged(worker, 'started').has(id)) }))
      .sort((a, b) => b.started.length - a.started.length);
    const inFlight = victim.started.filter((id) => !logged(victim.worker, 'succeeded').has(id));
    await victim.worker.process.kill();
    const killedAt = Date.now();
    topology.startWorker();

    const settled = await settleTasks(() => readTaskRows(topology.database, ''), ids, 300_000);
    const duplicated = duplicateSuccesses(
      topology.workers.map((worker) => worker.process),
      ids,
    );
    recordFaultRow({
      scenario: `Topology (${API_COUNT} APIs, ${WORKER_COUNT} workers, Redis Cluster, S3): ${ids.length} tasks, a worker SIGKILLed mid-run`,
      database: 'postgres',
      tasks: ids.length,
      lost: settled.lost.length,
      stuck: settled.stuck.length,
      duplicated,
      reExecutions: settled.reExecutions,
      recoveryMs: settled.settledAt - killedAt,
      notes: `${inFlight.length} in flight on the killed worker; ${settled.notSucceeded.length} not SUCCESS`,
    });
    figures.push(
      `worker kill: ${inFlight.length} in flight, all done ${seconds(settled.settledAt - killedAt)} after`,
    );
    expect(settled.lost).toEqual([]);
    expect(settled.stuck).toEqual([]);
    expect(settled.notSucceeded).toEqual([]);
    expect(duplicated).toBe(0);
  }, 600_000);

  it('rides out the failover of the Redis master holding the queues: nothing lost, nothing stuck', async () => {
    const tasks = await submitMany(FAULT_TASKS, 0.2);
    const ids = tasks.map((task) => task.id);
    await waitFor(
      `a third of ${ids.length} tasks to succeed`,
      async () => (await succeeded(ids)) >= ids.length / 3,
      { timeoutMs: 180_000, intervalMs: 200 },
    );
    // Every queue key carries the prefix as its hash tag: they all live on this one master.
    const queueKey = `{${topology.env.QUEUE_PREFIX}}:csv_processing:wait`;
    const killedPort = await topology.redis.killMasterOf(queueKey);
    const killedAt = Date.now();
    const promoted = await topology.redis.waitForFailover(queueKey, killedPort);
    const failoverMs = Date.now() - killedAt;

    const settled = await settleTasks(() => readTaskRows(topology.database, ''), ids, 300_000);
    const duplicated = duplicateSuccesses(
      topology.workers.map((worker) => worker.process),
      ids,
    );
    recordFaultRow({
      scenario: `Topology (${API_COUNT} APIs, ${WORKER_COUNT} workers, Redis Cluster, S3): ${ids.length} tasks, the queues' Redis master SIGKILLed`,
      database: 'postgres',
      tasks: ids.length,
      lost: settled.lost.length,
      stuck: settled.stuck.length,
      duplicated,
      reExecutions: settled.reExecutions,
      recoveryMs: settled.settledAt - killedAt,
      notes: `replica promoted in ${seconds(failoverMs)}; ${settled.notSucceeded.length} not SUCCESS`,
    });
    figures.push(
      `master ${killedPort} killed, ${promoted} promoted in ${seconds(failoverMs)}, all done ${seconds(settled.settledAt - killedAt)} after`,
    );
    expect(settled.lost).toEqual([]);
    expect(settled.stuck).toEqual([]);
    expect(settled.notSucceeded).toEqual([]);
    expect(duplicated).toBe(0);
    // Both APIs ready again, and a task submitted now runs.
    for (const api of topology.apis)
      expect((await fetch(`${api.url}/api/health/ready`)).status).toBe(200);
    const after = await api1.api.submit('csv_processing', { num_rows: 10 });
    expect((await api2.api.waitForStatus(after.id, FINISHED, 60_000)).status).toBe('SUCCESS');
  }, 600_000);
});
