// The bare-library side of the HTTP benchmarks: node:http with better-sqlite3 and BullMQ doing
// what the service's submit, get and list endpoints do in SQL and Redis, with no framework.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { Queue } from 'bullmq';
import { openSql, sqlTimestamp } from '../lib/sql.mjs';

const store = JSON.parse(process.env.BENCH_STORE);
const sql = await openSql(store);
// A database the service has migrated (schemaReady) already has the table and its indexes.
if (!store.schemaReady) await sql.createTasksTable();
const redisUrl = new URL(store.env.REDIS_URL);
const queues = new Map();
const queueFor = (type) => {
  if (!queues.has(type)) {
    queues.set(
      type,
      new Queue(type, {
        connection: { host: redisUrl.hostname, port: Number(redisUrl.port || 6379) },
        prefix: store.queuePrefix,
        defaultJobOptions: { removeOnComplete: true, removeOnFail: { count: 1000 } },
      }),
    );
  }
  return queues.get(type);
};

const send = (res, status, value) => {
  const text = JSON.stringify(value);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
};

async function submit(req, res) {
  let text = '';
  for await (const chunk of req) text += chunk;
  const { task_type: type, input_params: params } = JSON.parse(text);
  const row = {
    id: randomUUID(),
    type,
    created: sqlTimestamp(new Date()),
    params: JSON.stringify(params),
  };
  await sql.query(
    `INSERT INTO tasks (id, task_type, status, created_at, input_params) VALUES (?, ?, 'PENDING', ?, ?)`,
    [row.id, row.type, row.created, row.params],
  );
  await queueFor(type).add(type, { taskType: type, params }, { jobId: row.id });
  send(res, 200, {
    id: row.id,
    task_type: type,
    status: 'PENDING',
    created_at: row.created,
    input_params: params,
  });
}

async function list(url, res) {
  const where = [];
  const args = [];
  for (const [param, column] of [
    ['status', 'status'],
    ['task_type', 'task_type'],
  ]) {
    if (url.searchParams.has(param)) {
      where.push(`${column} = ?`);
      args.push(url.searchParams.get(param));
    }
  }
  const filter = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const limit = Number(url.searchParams.get('limit') ?? 50);
  const offset = Number(url.searchParams.get('offset') ?? 0);
  // The service's two reads in one statement: the page's ids from the index, then their rows.
  const tasks = await sql.query(
    `SELECT * FROM tasks WHERE id IN
       (SELECT id FROM tasks ${filter} ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?)
     ORDER BY created_at DESC, id DESC`,
    [...args, limit, offset],
  );
  // The same exact total as the service: the sum of the trigger-kept counters.
  const [{ total }] = await sql.query(
    `SELECT COALESCE(SUM(count), 0) AS total FROM task_counts ${filter}`,
    args,
  );
  send(res, 200, { tasks, total: Number(total) });
}

const server = createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost');
  let handled;
  if (req.method === 'POST' && url.pathname === '/api/tasks/submit') handled = submit(req, res);
  else if (req.method === 'GET' && url.pathname === '/api/tasks/') handled = list(url, res);
  else if (req.method === 'GET' && url.pathname.startsWith('/api/tasks/')) {
    handled = sql
      .query('SELECT * FROM tasks WHERE id = ?', [url.pathname.slice('/api/tasks/'.length)])
      .then(([task]) => (task ? send(res, 200, task) : send(res, 404, { detail: 'not found' })));
  } else handled = Promise.resolve(send(res, 404, { detail: 'not found' }));
  handled.catch((error) => send(res, 500, { detail: error.message }));
});
server.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('ready'));
process.once('SIGTERM', async () => {
  server.close();
  await Promise.all([...queues.values()].map((queue) => queue.close()));
  await sql.close();
  process.exit(0);
});
