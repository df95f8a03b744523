// Classic PUBLISH/SUBSCRIBE against sharded SPUBLISH/SSUBSCRIBE on a local Redis Cluster
// (3 masters + 3 replicas), with ioredis Cluster clients as the event bus uses them: the same
// batches (about 2 KB of JSON each), one channel, one subscriber. Prints messages per second and
// the median and p99 delivery latency of each, measured in one run, with the load average.
// Usage: npx ts-node -T bench/cluster-pubsub.ts
import { Cluster } from 'ioredis';
import { loadavg } from 'node:os';
import { RedisClusterFixture } from '../test/utils/redis-cluster';

const MESSAGES = 5000;
const IN_FLIGHT = 50;
const payload = JSON.stringify(
  Array.from({ length: 10 }, (_, i) => ({
    type: 'progress',
    task_id: `t-${i}`,
    progress: i * 10,
    at: new Date().toISOString(),
    message: 'x'.repeat(120),
  })),
);

async function measure(nodes: { host: string; port: number }[], sharded: boolean): Promise<string> {
  const channel = '{conveyor}:events';
  const subscriber = new Cluster(nodes, { shardedSubscribers: sharded });
  const publisher = new Cluster(nodes);
  const latencies: number[] = [];
  let received = 0;
  let done: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const onMessage = (_channel: string, message: string): void => {
    latencies.push(
      Number(process.hrtime.bigint() - BigInt(message.slice(0, message.indexOf('|')))) / 1e6,
    );
    received += 1;
    if (received === MESSAGES) done();
  };
  if (sharded) {
    subscriber.on('smessage', onMessage);
    await subscriber.ssubscribe(channel);
  } else {
    subscriber.on('message', onMessage);
    await subscriber.subscribe(channel);
  }
  const started = Date.now();
  for (let sent = 0; sent < MESSAGES; sent += IN_FLIGHT) {
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, () => {
        const message = `${process.hrtime.bigint()}|${payload}`;
        return sharded ? publisher.spublish(channel, message) : publisher.publish(channel, message);
      }),
    );
  }
  await finished;
  const seconds = (Date.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  publisher.disconnect();
  subscriber.disconnect();
  const at = (q: number) => latencies[Math.floor(q * (latencies.length - 1))].toFixed(2);
  return `${sharded ? 'SPUBLISH/SSUBSCRIBE' : 'PUBLISH/SUBSCRIBE  '}: ${Math.round(MESSAGES / seconds)} msg/s, median ${at(0.5)} ms, p99 ${at(0.99)} ms`;
}

async function main(): Promise<void> {
  const cluster = await RedisClusterFixture.start();
  try {
    const nodes = cluster.nodesList.split(',').map((item) => {
      const [host, port] = item.split(':');
      return { host, port: Number(port) };
    });
    console.log(
      `load average before: ${loadavg()
        .map((n) => n.toFixed(2))
        .join(' ')}`,
    );
    for (const sharded of [false, true, false, true]) console.log(await measure(nodes, sharded));
    console.log(
      `load average after: ${loadavg()
        .map((n) => n.toFixed(2))
        .join(' ')}`,
    );
  } finally {
    await cluster.destroy();
  }
}

void main();
