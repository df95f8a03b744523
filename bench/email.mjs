// E-mail: one email_sending task to N recipients through a local SMTP sink (submit to SUCCESS)
// beside a bare pooled nodemailer transport sending the same messages with as many in flight
// as the service's pool has connections. Each side also reports its CPU time per message.
import nodemailer from 'nodemailer';
import { runTask } from './csv.mjs';
import { cpuMeter } from './lib/cpu.mjs';
import { Cleanup, requireFromProject } from './lib/service.mjs';
import { startTaskService } from './lib/task-service.mjs';
import { inLanes } from './queue-throughput.mjs';

/** The service's default SMTP_MAX_CONNECTIONS. */
const POOL_CONNECTIONS = 5;
const TEMPLATE = {
  from: 'Conveyor <conveyor@localhost>',
  subject: 'Benchmark {{email}}',
  text: 'Hello {{email}}, this is a benchmark message.',
  html: '<p>Hello <b>{{email}}</b>, this is a benchmark message.</p>',
};

/** Polls for the task's end this often; its time comes from the row's completed_at anyway. */
const POLL_MS = 500;
/**
 * Messages each side sends untimed first, so that neither meets a cold sink or cold JIT. With 200
 * both sides were still speeding up: the bare client's two timed rounds differed by up to a
 * third, and the worker's next three rounds of 2,000 ran at 699, 879 and 1,083 messages/s.
 * After 4,000 the bare rounds agree within a sixth.
 */
const WARM_UP = 4_000;
/** The quick run only proves the row still runs. */
const QUICK_WARM_UP = 100;

export async function email({ quick, shared }) {
  const count = quick ? 100 : 2_000;
  const warmUp = quick ? QUICK_WARM_UP : WARM_UP;
  const cleanup = new Cleanup();
  try {
    const { api, worker, sink, smtpUrl } = shared ?? (await startTaskService(cleanup));
    const task = (n) => ({
      task_type: 'email_sending',
      input_params: {
        num_emails: n,
        subject: TEMPLATE.subject,
        body: TEMPLATE.text,
        html: TEMPLATE.html,
      },
    });
    // The project's own message builder, so both sides send byte-for-byte the same mail.
    const { buildMessage, seedRecipients } = requireFromProject(
      './dist/task-types/email/message.js',
    );
    const transport = nodemailer.createTransport({
      url: smtpUrl,
      pool: true,
      maxConnections: POOL_CONNECTIONS,
    });
    cleanup.add(() => transport.close());
    const bareSend = async (n) => {
      const recipients = seedRecipients(n);
      await inLanes(n, POOL_CONNECTIONS, (i) =>
        transport.sendMail(buildMessage(TEMPLATE, recipients[i])),
      );
    };

    // Whichever side ran first used to meet a sink whose JIT was cold: it took about twice the
    // sink CPU per message in that run (measured with the meters below).
    await runTask(api.url, task(warmUp), 5 * 60_000);
    await bareSend(warmUp);

    // The bare run goes both before and after Conveyor's, and counts as their mean, so that a
    // sink still warming up or a load that drifts during the run favours neither side.
    const bareRun = async () => {
      const meter = cpuMeter([undefined, sink.pid]);
      const started = performance.now();
      await bareSend(count);
      return { ms: performance.now() - started, cpu: meter() };
    };
    const before = await bareRun();

    const systemCpu = cpuMeter([worker.pid, sink.pid]);
    const system = await runTask(api.url, task(count), 30 * 60_000, POLL_MS);
    const [workerCpuMs, systemSinkCpuMs] = systemCpu();
    if (system.task.result_data.sent_successfully !== count) {
      throw new Error(`the task sent ${system.task.result_data.sent_successfully} of ${count}`);
    }

    const after = await bareRun();
    const bareMs = (before.ms + after.ms) / 2;
    const [bareCpuMs, bareSinkCpuMs] = [0, 1].map((i) => (before.cpu[i] + after.cpu[i]) / 2);
    const perMessage = (ms) => `${((ms / count) * 1000).toFixed(0)} µs/message`;
    const rate = (ms) => count / (ms / 1000);

    const systemRate = rate(system.ms);
    const bareRate = rate(bareMs);
    return [
      {
        benchmark: 'E-mail (sqlite)',
        size: `${count} messages, pool of ${POOL_CONNECTIONS} to a local SMTP sink`,
        system: `${systemRate.toFixed(0)} messages/s, CPU: worker ${perMessage(workerCpuMs)}, sink ${perMessage(systemSinkCpuMs)}`,
        bare: `${bareRate.toFixed(0)} messages/s (${rate(before.ms).toFixed(0)} before, ${rate(after.ms).toFixed(0)} after), CPU: client ${perMessage(bareCpuMs)}, sink ${perMessage(bareSinkCpuMs)}`,
        ratio: systemRate / bareRate,
        target: '≥ 0.9',
        holds: systemRate / bareRate >= 0.9,
      },
    ];
  } finally {
    await cleanup.run();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await email({ quick: process.argv.includes('--quick') }));
}
