// E-mail: one email_sending task to N recipients through a local SMTP sink (submit to SUCCESS)
// beside a bare pooled nodemailer transport sending the same messages with as many in flight
// as the service's pool has connections.
import nodemailer from 'nodemailer';
import { runTask } from './csv.mjs';
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

export async function email({ quick, shared }) {
  const count = quick ? 100 : 2_000;
  const cleanup = new Cleanup();
  try {
    const { api, smtpUrl } = shared ?? (await startTaskService(cleanup));
    const system = await runTask(
      api.url,
      {
        task_type: 'email_sending',
        input_params: {
          num_emails: count,
          subject: TEMPLATE.subject,
          body: TEMPLATE.text,
          html: TEMPLATE.html,
        },
      },
      30 * 60_000,
    );
    if (system.task.result_data.sent_successfully !== count) {
      throw new Error(`the task sent ${system.task.result_data.sent_successfully} of ${count}`);
    }

    // The project's own message builder, so both sides send byte-for-byte the same mail.
    const { buildMessage, seedRecipients } = requireFromProject('./dist/queue/email/mailer.js');
    const transport = nodemailer.createTransport({
      url: smtpUrl,
      pool: true,
      maxConnections: POOL_CONNECTIONS,
    });
    cleanup.add(() => transport.close());
    const recipients = seedRecipients(count);
    const started = performance.now();
    await inLanes(count, POOL_CONNECTIONS, (i) =>
      transport.sendMail(buildMessage(TEMPLATE, recipients[i])),
    );
    const bareMs = performance.now() - started;

    const systemRate = count / (system.ms / 1000);
    const bareRate = count / (bareMs / 1000);
    return [
      {
        benchmark: 'E-mail (sqlite)',
        size: `${count} messages, pool of ${POOL_CONNECTIONS} to a local SMTP sink`,
        system: `${systemRate.toFixed(0)} messages/s`,
        bare: `${bareRate.toFixed(0)} messages/s`,
        ratio: systemRate / bareRate,
        target: '≥ 0.8',
        holds: systemRate / bareRate >= 0.8,
      },
    ];
  } finally {
    await cleanup.run();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await email({ quick: process.argv.includes('--quick') }));
}
