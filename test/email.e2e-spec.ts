import { simpleParser } from 'mailparser';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TaskResponse } from '../src/tasks/dto/task.response';
import { ApiClient } from './utils/api-client';
import { DatabaseEnv, isolatedDatabase, TEST_DATABASE } from './utils/databases';
import { recordFaultRow } from './utils/fault-report';
import { ServiceProcess, startService, TestService } from './utils/start-service';
import { readTaskRows, settleTasks } from './utils/task-rows';
import { TestSmtpServer } from './utils/test-smtp-server';
import { waitFor } from './utils/wait-for';

interface DeliveryRecord {
  to: string;
  status: 'delivered' | 'failed';
  message_id: string | null;
  response: string | null;
  sent_at: string | null;
  error: string | null;
}

interface EmailResult {
  total_emails: number;
  sent_successfully: number;
  failed: number;
  duplicates_removed: number;
  emails: DeliveryRecord[];
}

const resultOf = (task: TaskResponse): EmailResult => task.result_data as unknown as EmailResult;

const ISO_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

interface Problem {
  loc: (string | number)[];
  msg: string;
  type: string;
}

describe(`email_sending over a real SMTP server (${TEST_DATABASE})`, () => {
  let smtp: TestSmtpServer;
  let database: DatabaseEnv;
  let service: TestService;
  let worker: ServiceProcess;
  let api: ApiClient;

  // Workers are separate processes, so that one can be killed while the API keeps answering.
  const startWorker = (): ServiceProcess =>
    service.spawnPeer({
      APP_ROLE: 'worker',
      SMTP_MAX_CONNECTIONS: '3',
      SMTP_RETRY_DELAY_MS: '200',
    });

  beforeAll(async () => {
    smtp = await TestSmtpServer.start();
    database = isolatedDatabase();
    service = await startService({
      APP_ROLE: 'api',
      SMTP_URL: smtp.url,
      // The sender one test names; any other is refused (see the abuse suite).
      MAIL_FROM_ALLOWED: 'news@sender.test',
      ...database.env,
    });
    worker = startWorker();
    api = new ApiClient(service.url);
  });

  afterAll(async () => {
    await service?.stop();
    await smtp?.close();
    await database?.drop();
  });

  async function run(params: Record<string, unknown>, timeoutMs = 30_000): Promise<TaskResponse> {
    const task = await api.submit('email_sending', params);
    return api.waitForStatus(task.id, ['SUCCESS', 'FAILED', 'CANCELLED'], timeoutMs);
  }

  async function problemsFor(params: Record<string, unknown>): Promise<Problem[]> {
    const answer = await api.request<{ detail: Problem[] }>('POST', '/api/tasks/submit', {
      task_type: 'email_sending',
      input_params: params,
    });
    expect(answer.status).toBe(422);
    return answer.body.detail;
  }

  it('mails each recipient once, with its own fields in subject, text and HTML', async () => {
    const recipients = [
      'ann@fields.test',
      { email: 'bob@fields.test', name: 'Bob Stone', plan: 'Pro & <Plus>' },
      'ANN@Fields.test',
      { email: 'cy@fields.test', name: 'Cy', plan: 'Basic' },
    ];
    const task = await run({
      recipients,
      subject: 'Hello {{name}}',
      body: 'Dear {{name}} <{{email}}>, your plan: {{plan}}.',
      html: '<p>Your plan: <b>{{plan}}</b></p>',
      from: 'news@sender.test',
    });

    expect(task.status).toBe('SUCCESS');
    expect(task.input_params).toEqual({
      recipients,
      subject: 'Hello {{name}}',
      body: 'Dear {{name}} <{{email}}>, your plan: {{plan}}.',
      html: '<p>Your plan: <b>{{plan}}</b></p>',
      from: 'news@sender.test',
      delay_per_email: 0,
    });
    expect(smtp.receivedAt('fields.test')).toHaveLength(3);
    const [ann] = smtp.receivedBy('ann@fields.test');
    const [bob] = smtp.receivedBy('bob@fields.test');
    expect(smtp.receivedBy('ann@fields.test')).toHaveLength(1);
    expect(ann.parsed.from?.value).toEqual([{ address: 'news@sender.test', name: '' }]);
    expect(ann.parsed.subject).toBe('Hello');
    expect(ann.parsed.text?.trim()).toBe('Dear  <ann@fields.test>, your plan: {{plan}}.');
    expect(bob.parsed.to).toMatchObject({
      value: [{ address: 'bob@fields.test', name: 'Bob Stone' }],
    });
    expect(bob.parsed.subject).toBe('Hello Bob Stone');
    expect(bob.parsed.text?.trim()).toBe(
      'Dear Bob Stone <bob@fields.test>, your plan: Pro & <Plus>.',
    );
    expect(bob.parsed.html).toBe('<p>Your plan: <b>Pro &amp; &lt;Plus&gt;</b></p>');
    expect(smtp.receivedBy('cy@fields.test')[0].parsed.subject).toBe('Hello Cy');

    const result = resultOf(task);
    expect(result).toMatchObject({
      total_emails: 3,
      sent_successfully: 3,
      failed: 0,
      duplicates_removed: 1,
    });
    expect(result.emails.map((email) => email.to)).toEqual([
      'ann@fields.test',
      'bob@fields.test',
      'cy@fields.test',
    ]);
    expect(result.emails[1]).toEqual({
      to: 'bob@fields.test',
      status: 'delivered',
      message_id: bob.parsed.messageId,
      response: bob.response,
      sent_at: expect.stringMatching(ISO_UTC) as string,
      error: null,
    });
  });

  it("sends the seed's num_emails to user1…userN@example.com with the default subject", async () => {
    const task = await run({ num_emails: 3 });

    expect(task.status).toBe('SUCCESS');
    expect(task.input_params).toMatchObject({ num_emails: 3, subject: 'Test Email' });
    for (const n of [1, 2, 3]) {
      const mails = smtp.receivedBy(`user${n}@example.com`);
      expect(mails).toHaveLength(1);
      expect(mails[0].parsed.subject).toBe('Test Email');
      expect(mails[0].parsed.text?.trim()).toBe('This is a test email sent by Conveyor.');
    }
    expect(resultOf(task)).toMatchObject({
      total_emails: 3,
      sent_successfully: 3,
      failed: 0,
      duplicates_removed: 0,
    });
  });

  it('records a recipient the server refuses with 550 as failed, and mails the others', async () => {
    const task = await run({
      recipients: ['first@refused.test', 'rejected@refused.test', 'last@refused.test'],
      subject: 'Hello',
      body: 'Hi',
    });

    expect(task.status).toBe('SUCCESS');
    expect(smtp.receivedBy('first@refused.test')).toHaveLength(1);
    expect(smtp.receivedBy('last@refused.test')).toHaveLength(1);
    expect(smtp.receivedBy('rejected@refused.test')).toHaveLength(0);
    expect(smtp.rcptCount.get('rejected@refused.test')).toBe(1);
    const result = resultOf(task);
    expect(result).toMatchObject({ total_emails: 3, sent_successfully: 2, failed: 1 });
    expect(result.emails[1]).toEqual({
      to: 'rejected@refused.test',
      status: 'failed',
      message_id: null,
      response: '550 5.1.1 No such user here',
      sent_at: null,
      error: expect.stringContaining('550 5.1.1 No such user here') as string,
    });
  });

  it('retries a recipient answered 451 and delivers it once the server takes it', async () => {
    const task = await run({ recipients: ['greylisted@later.test'], subject: 'Hello', body: 'Hi' });

    expect(task.status).toBe('SUCCESS');
    expect(smtp.rcptCount.get('greylisted@later.test')).toBe(2);
    expect(smtp.receivedBy('greylisted@later.test')).toHaveLength(1);
    expect(resultOf(task)).toMatchObject({
      sent_successfully: 1,
      failed: 0,
      emails: [{ to: 'greylisted@later.test', status: 'delivered', error: null }],
    });
  });

  it('sends up to SMTP_MAX_CONNECTIONS messages at once, over as many connections', async () => {
    smtp.hold((mail) => mail.to.some((to) => to.endsWith('@parallel.test')));
    const task = await api.submit('email_sending', {
      recipients: Array.from({ length: 9 }, (_, i) => `p${i}@parallel.test`),
      subject: 'Hello',
      body: 'Hi',
    });

    // The first three stay unanswered; only parallel sends can bring a third one in.
    await waitFor('three messages in flight at once', () => smtp.held.length === 3);
    smtp.releaseHeld();
    const done = await api.waitForStatus(task.id, ['SUCCESS', 'FAILED']);

    expect(done.status).toBe('SUCCESS');
    expect(smtp.receivedAt('parallel.test')).toHaveLength(9);
    expect(smtp.maxOpenSessions).toBeLessThanOrEqual(3);
    expect(resultOf(done).emails.map((email) => email.to)).toEqual(
      Array.from({ length: 9 }, (_, i) => `p${i}@parallel.test`),
    );
  });

  describe('refuses bad input with a 422 naming each problem', () => {
    it('lists every bad address with where it is and what is wrong', async () => {
      const problems = await problemsFor({
        subject: 'Hello',
        recipients: [
          'good@example.com',
          'no-at-sign',
          { email: 'good2@example.com' },
          { email: 'two@@example.com', name: 'Two' },
          { name: 'Nobody' },
        ],
      });
      expect(problems).toEqual([
        {
          loc: ['body', 'input_params', 'recipients', 1],
          msg: '"no-at-sign" is not a valid e-mail address',
          type: 'value_error.email',
        },
        {
          loc: ['body', 'input_params', 'recipients', 3, 'email'],
          msg: '"two@@example.com" is not a valid e-mail address',
          type: 'value_error.email',
        },
        {
          loc: ['body', 'input_params', 'recipients', 4, 'email'],
          msg: 'email is required: each recipient object needs an address',
          type: 'missing',
        },
      ]);
    });

    it.each([
      ['subject', { recipients: ['a@example.com'], subject: 'Hi\r\nBcc: all@example.com' }],
      ['from', { num_emails: 1, from: 'me@example.com\nBcc: all@example.com' }],
      [
        'name',
        {
          recipients: [{ email: 'a@example.com', name: 'Ann\nBcc: all@example.com' }],
          subject: 'Hi',
        },
      ],
    ])('a line break in %s, which would inject a header', async (field, params) => {
      const problems = await problemsFor(params);
      expect(problems).toHaveLength(1);
      expect(problems[0].loc.at(-1)).toBe(field);
      expect(problems[0].msg).toBe(`${field} must not contain line breaks`);
    });

    it('recipients and num_emails together, or recipients without a subject', async () => {
      expect(
        await problemsFor({ recipients: ['a@example.com'], num_emails: 2, subject: 'Hi' }),
      ).toEqual([
        {
          loc: ['body', 'input_params', 'recipients'],
          msg: 'give either recipients or num_emails, not both',
          type: 'notWith',
        },
      ]);
      expect(await problemsFor({ recipients: ['a@example.com'], body: 'Hi' })).toEqual([
        {
          loc: ['body', 'input_params', 'subject'],
          msg: 'subject is required when recipients are given',
          type: 'missing',
        },
      ]);
    });

    it('more than 10,000 recipients', async () => {
      const recipients = Array.from({ length: 10_001 }, (_, i) => `u${i}@example.com`);
      expect(await problemsFor({ recipients, subject: 'Hi' })).toEqual([
        {
          loc: ['body', 'input_params', 'recipients'],
          msg: 'recipients must contain no more than 10000 elements',
          type: 'too_long',
        },
      ]);
    });
  });

  // Runs last: it replaces the worker the other cases use.
  it('never mails a recipient twice when its worker is killed mid-batch and the task re-run', async () => {
    const recipients = Array.from({ length: 200 }, (_, i) => `r${i}@crash.test`);
    // Once 60 messages were accepted, the next ones get no answer: the worker dies with sends
    // in flight that the server never confirmed, as it would in the middle of a real batch.
    smtp.hold(() => smtp.receivedAt('crash.test').length >= 60);
    const task = await api.submit('email_sending', {
      recipients,
      subject: 'Hello {{email}}',
      body: 'Hi',
      delay_per_email: 0.02,
    });

    await waitFor('the worker to record the 60 accepted messages', async () => {
      const current = await api.get(task.id);
      return smtp.held.length > 0 && current.progress >= 30;
    });
    await worker.kill();
    expect(smtp.receivedAt('crash.test')).toHaveLength(60);
    smtp.dropHeld();
    worker = startWorker();
    const restartedAt = Date.now();

    // BullMQ re-delivers the job once its lock (15 s) expires and a stalled check sees it.
    const settled = await settleTasks(
      () => readTaskRows(database, service.dataDir),
      [task.id],
      60_000,
    );
    const counts = recipients.map((to) => smtp.receivedBy(to).length);
    recordFaultRow({
      scenario: `E-mail batch of ${recipients.length} recipients, worker SIGKILLed mid-batch`,
      database: TEST_DATABASE,
      tasks: 1,
      lost: settled.lost.length,
      stuck: settled.stuck.length,
      duplicated: counts.reduce((sum, count) => sum + Math.max(0, count - 1), 0),
      reExecutions: settled.reExecutions,
      recoveryMs: settled.settledAt - restartedAt,
      notes:
        `${counts.filter((count) => count === 1).length} recipients received exactly once, ` +
        `${counts.filter((count) => count === 0).length} never (counted by the SMTP server)`,
    });
    const done = await api.get(task.id);

    expect(done.status).toBe('SUCCESS');
    expect(done.attempts).toBeGreaterThanOrEqual(2);
    const receivedCounts = recipients.map((to) => smtp.receivedBy(to).length);
    expect(receivedCounts).toEqual(recipients.map(() => 1));
    const result = resultOf(done);
    expect(result).toMatchObject({ total_emails: 200, sent_successfully: 200, failed: 0 });
    expect(result.emails.map((email) => email.to)).toEqual(recipients);
    expect(result.emails.map((email) => email.message_id)).toEqual(
      recipients.map((to) => smtp.receivedBy(to)[0].parsed.messageId),
    );
  });
});

describe(`email_sending without SMTP_URL writes .eml files to the outbox (${TEST_DATABASE})`, () => {
  let database: DatabaseEnv;
  let service: TestService;
  let api: ApiClient;

  beforeAll(async () => {
    database = isolatedDatabase();
    service = await startService(database.env);
    api = new ApiClient(service.url);
  });

  afterAll(async () => {
    await service?.stop();
    await database?.drop();
  });

  async function outboxOf(taskId: string) {
    const folder = join(service.dataDir, 'outbox', taskId);
    const names = (await readdir(folder)).sort();
    return Promise.all(
      names.map(async (name) => ({
        name,
        mail: await simpleParser(await readFile(join(folder, name))),
      })),
    );
  }

  it('renders each recipient its own message, placeholders filled', async () => {
    const submitted = await api.submit('email_sending', {
      recipients: [{ email: 'dee@outbox.test', name: 'Dee', code: 'A-1' }, 'eve@outbox.test'],
      subject: 'Code for {{name}}',
      body: 'Your code: {{code}}',
    });
    const task = await api.waitForStatus(submitted.id, ['SUCCESS', 'FAILED']);

    expect(task.status).toBe('SUCCESS');
    const files = await outboxOf(task.id);
    expect(files).toHaveLength(2);
    const dee = files.find(({ mail }) => mail.subject === 'Code for Dee');
    expect(dee?.mail.to).toMatchObject({ value: [{ address: 'dee@outbox.test', name: 'Dee' }] });
    expect(dee?.mail.text?.trim()).toBe('Your code: A-1');
    const result = resultOf(task);
    expect(result).toMatchObject({ total_emails: 2, sent_successfully: 2, failed: 0 });
    expect(result.emails[0].response).toBe(`stored as outbox/${task.id}/${dee?.name}`);
    expect(result.emails[0].message_id).toBe(dee?.mail.messageId);
  });

  it("renders the seed's messages", async () => {
    const submitted = await api.submit('email_sending', { num_emails: 2 });
    const task = await api.waitForStatus(submitted.id, ['SUCCESS', 'FAILED']);

    expect(task.status).toBe('SUCCESS');
    const files = await outboxOf(task.id);
    expect(files.map(({ mail }) => mail.subject)).toEqual(['Test Email', 'Test Email']);
    expect(files.map(({ mail }) => (mail.to as { text: string }).text).sort()).toEqual([
      'user1@example.com',
      'user2@example.com',
    ]);
  });
});

describe(`email_sending over TLS (${TEST_DATABASE})`, () => {
  // smtp-server presents its built-in self-signed certificate for 127.0.0.1.
  let smtp: TestSmtpServer;
  const databases: DatabaseEnv[] = [];
  const services: TestService[] = [];

  async function serviceWith(env: Record<string, string>): Promise<ApiClient> {
    const database = isolatedDatabase();
    databases.push(database);
    const service = await startService({
      SMTP_URL: smtp.url,
      SMTP_RETRY_ATTEMPTS: '1',
      ...database.env,
      ...env,
    });
    services.push(service);
    return new ApiClient(service.url);
  }

  beforeAll(async () => {
    smtp = await TestSmtpServer.start({ secure: true });
  });

  afterAll(async () => {
    await Promise.all(services.map((service) => service.stop()));
    await smtp?.close();
    await Promise.all(databases.map((database) => database.drop()));
  });

  it('refuses a certificate it cannot verify, by default, and says why', async () => {
    const api = await serviceWith({});
    const submitted = await api.submit('email_sending', {
      recipients: ['strict@tls.test'],
      subject: 'Hi',
    });
    const task = await api.waitForStatus(submitted.id, ['SUCCESS', 'FAILED']);

    expect(task.status).toBe('FAILED');
    expect(task.error_message).toMatch(
      /^Delivery to strict@tls\.test still failing after 1 try: .*certificate/,
    );
    expect(smtp.receivedBy('strict@tls.test')).toHaveLength(0);
  });

  it('delivers over TLS to that server when SMTP_TLS_REJECT_UNAUTHORIZED=false', async () => {
    const api = await serviceWith({ SMTP_TLS_REJECT_UNAUTHORIZED: 'false' });
    const submitted = await api.submit('email_sending', {
      recipients: ['lenient@tls.test'],
      subject: 'Hi',
    });
    const task = await api.waitForStatus(submitted.id, ['SUCCESS', 'FAILED']);

    expect(task.status).toBe('SUCCESS');
    expect(smtp.receivedBy('lenient@tls.test')).toHaveLength(1);
  });
});
