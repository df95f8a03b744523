// The bare-library side of the queue benchmark: a plain BullMQ worker process that makes the
// same two SQL writes per job as the service's worker (RUNNING, then SUCCESS) and nothing else.
import { Worker } from 'bullmq';
import { openSql, sqlTimestamp } from '../lib/sql.mjs';

const store = JSON.parse(process.env.BENCH_STORE);
const sql = await openSql(store);
const redisUrl = new URL(store.env.REDIS_URL);
const worker = new Worker(
  process.env.BENCH_QUEUE,
  async (job) => {
    await sql.query(
      `UPDATE tasks SET status = 'RUNNING', started_at = ?, attempts = attempts + 1 WHERE id = ?`,
      [sqlTimestamp(new Date()), job.id],
    );
    await sql.query(
      `UPDATE tasks SET status = 'SUCCESS', completed_at = ?, progress = 100, result_data = ? WHERE id = ?`,
      [sqlTimestamp(new Date()), JSON.stringify({ total_rows: 10 }), job.id],
    );
  },
  {
    connection: { host: redisUrl.hostname, port: Number(redisUrl.port || 6379) },
    prefix: store.queuePrefix,
    concurrency: Number(process.env.BENCH_CONCURRENCY),
  },
);
await worker.waitUntilReady();
console.log('ready');
process.once('SIGTERM', async () => {
  await worker.close();
  await sql.close();
  process.exit(0);
});
