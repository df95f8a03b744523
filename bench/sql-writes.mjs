// The SQL writes of accepting work, in one process against a migrated database of their own:
// CPU and wall time per audit entry committed alone (as at a low submit rate, one per turn), per
// single-task INSERT, and per task of a 1,000-task bulk insert. Runs the code of a build's dist/
// (BENCH_DIST names another, for before/after rows) through its own TaskStore and AuditService;
// and, on the worker's side, per task the two status writes of its run, per task log line written
// as a small task's run writes them, and the two reads the worker makes per task (its log's last
// seq; whether it has webhook receivers).
// Usage: node bench/sql-writes.mjs [sqlite|postgres] [count]
import { join } from 'node:path';
import { Cleanup, makeStore, PROJECT_ROOT, requireFromProject } from './lib/service.mjs';

const [kind = 'sqlite', countArg = '3000'] = process.argv.slice(2);
const count = Number(countArg);
const dist = process.env.BENCH_DIST ?? join(PROJECT_ROOT, 'dist');
const fromDist = (path) => requireFromProject(join(dist, path));
const { DataSource } = requireFromProject('typeorm');
const { AppConfig } = fromDist('config/app-config.js');
const { validateEnv } = fromDist('config/env.js');
const { buildDataSourceOptions, ensureSchema } = fromDist('database/data-source.js');
const { AuditService } = fromDist('audit/audit.service.js');
const { AuditEntry } = fromDist('audit/audit-entry.entity.js');
const { TaskStore } = fromDist('database/task-store.js');
const { Task } = fromDist('database/task.entity.js');
const { TaskLogStore } = fromDist('task-logs/task-log-store.js');
const { TaskLogLine } = fromDist('task-logs/task-log.entity.js');
const { WebhookDispatcher } = fromDist('webhooks/webhook-dispatcher.service.js');

const BULK = 1000;
/** The lines a 10-row CSV task's run logs (its delimiter, its rows, its outcome). */
const LINES_PER_TASK = 4;
const cleanup = new Cleanup();
try {
  const store = await makeStore(kind, 'sql_writes', cleanup);
  const config = new AppConfig(validateEnv({ ...store.env, LOG_LEVEL: 'warn' }));
  await ensureSchema(config);
  const dataSource = new DataSource(buildDataSourceOptions(config));
  await dataSource.initialize();
  cleanup.add(() => dataSource.destroy());
  const audit = new AuditService(dataSource.getRepository(AuditEntry), config);
  const tasks = new TaskStore(dataSource.getRepository(Task), config);
  const logs = new TaskLogStore(dataSource.getRepository(TaskLogLine), config);
  const spec = () => ({
    taskType: 'csv_processing',
    inputParams: { num_rows: 10, processing_time: 0 },
    retryOf: null,
    project: 'default',
  });
  const cases = [
    [
      'audit entry, committed alone',
      count,
      1,
      () =>
        audit.record({
          actor: { keyId: null, name: 'bench' },
          action: 'task.submit',
          resource: 'x',
          project: 'default',
          clientAddress: '127.0.0.1',
        }),
    ],
    ['task, single INSERT', count, 1, () => tasks.insert(spec())],
    [
      `task, in a bulk of ${BULK}`,
      Math.max(2, Math.round(count / BULK)),
      BULK,
      () => tasks.insertMany(Array.from({ length: BULK }, spec)),
    ],
  ];
  // Each run's lines go to a task of their own (task_logs rows need theirs), made up front.
  const logged = [];
  for (let made = 0; made < count * 1.2 + BULK; made += BULK)
    logged.push(...(await tasks.insertMany(Array.from({ length: BULK }, spec))));
  cases.push([
    `task log line, ${LINES_PER_TASK} per run`,
    count,
    LINES_PER_TASK,
    () => {
      const taskId = logged.pop().id;
      const at = new Date().toISOString();
      return logs.append([
        {
          taskId,
          lines: Array.from({ length: LINES_PER_TASK }, (_, i) => ({
            seq: i + 1,
            at,
            level: 'info',
            message: `line ${i + 1} of the run`,
          })),
        },
      ]);
    },
  ]);
  // The worker's two status writes of a task's run, each task brought through both once.
  const toRun = [];
  for (let made = 0; made < count * 1.2 + BULK; made += BULK)
    toRun.push(...(await tasks.insertMany(Array.from({ length: BULK }, spec))));
  cases.push([
    'task run: RUNNING, then SUCCESS',
    count,
    1,
    async () => {
      const taskId = toRun.pop().id;
      await tasks.markRunning(taskId);
      await tasks.markSucceeded(taskId, { total_rows: 10 });
    },
  ]);
  // No task here has a receiver, so the dispatcher never reaches its queue.
  const dispatcher = new WebhookDispatcher(tasks, undefined, dataSource.getRepository(Task));
  const someTask = logged[0].id;
  cases.push(
    ['read: last log seq of a task', count, 1, () => logs.lastSeqs([someTask])],
    [
      'read: webhook receivers of a task',
      count,
      1,
      () => dispatcher.announce({ taskId: someTask, status: 'SUCCESS' }),
    ],
  );
  console.log(`${kind}, ${dist}`);
  for (const [label, calls, perCall, write] of cases) {
    for (let i = 0; i < Math.ceil(calls / 5); i++) await write();
    const cpu = process.cpuUsage();
    const started = performance.now();
    for (let i = 0; i < calls; i++) await write();
    const used = process.cpuUsage(cpu);
    const items = calls * perCall;
    console.log(
      `${label.padEnd(32)} CPU ${((used.user + used.system) / 1000 / items).toFixed(4)} ms, wall ${((performance.now() - started) / items).toFixed(4)} ms per item (${items})`,
    );
  }
} finally {
  await cleanup.run();
}
