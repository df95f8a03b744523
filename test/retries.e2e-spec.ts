import { ApiClient } from './utils/api-client';
import { isolatedDatabase, TEST_DATABASE } from './utils/databases';
import { freePort, startService, TestService } from './utils/start-service';
import { TestSmtpServer } from './utils/test-smtp-server';
import { waitFor } from './utils/wait-for';

describe(`automatic retries of transient failures on ${TEST_DATABASE}`, () => {
  const database = isolatedDatabase();
  let service: TestService;
  let smtp: TestSmtpServer | undefined;
  let smtpPort: number;
  let api: ApiClient;

  beforeAll(async () => {
    // The SMTP server is not there yet: every connection is refused until the test starts it.
    smtpPort = await freePort();
    service = await startService({
      ...database.env,
      SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
      SMTP_RETRY_ATTEMPTS: '1',
      EMAIL_ATTEMPTS: '5',
      RETRY_BACKOFF_MS: '1000',
    });
    api = new ApiClient(service.url);
  });

  afterAll(async () => {
    await service?.stop();
    await smtp?.close();
    await database.drop();
  });

  it('retries a task with backoff while its SMTP server is down, then delivers once', async () => {
    const task = await api.submit('email_sending', {
      recipients: ['ada@example.com'],
      subject: 'Back soon',
    });
    const waiting = await waitFor('the first attempt to fail and be scheduled again', async () => {
      const current = await api.get(task.id);
      return current.attempts >= 1 && current.status === 'PENDING' && current.error_message
        ? current
        : undefined;
    });
    expect(waiting.error_message).toMatch(/retrying/);

    smtp = await TestSmtpServer.start({ port: smtpPort });
    const done = await api.waitForStatus(task.id, ['SUCCESS', 'FAILED'], 60_000);
    expect(done.status).toBe('SUCCESS');
    expect(done.attempts).toBeGreaterThanOrEqual(2);
    expect(done.error_message).toBeNull();
    expect(smtp.received.filter((mail) => mail.to.includes('ada@example.com'))).toHaveLength(1);
  });

  it('fails a logic error at once, without retrying', async () => {
    const done = await api.waitForStatus(
      (await api.submit('csv_processing', { num_rows: 20, delimiter: '"' })).id,
      ['SUCCESS', 'FAILED'],
    );
    expect([done.status, done.attempts]).toEqual(['FAILED', 1]);
  });

  it('retrying a cancelled half-sent batch mails only those who did not get it', async () => {
    smtp ??= await TestSmtpServer.start({ port: smtpPort });
    const server = smtp;
    const recipients = ['r1@half.test', 'r2@half.test', 'r3@half.test', 'r4@half.test'];
    const task = await api.submit('email_sending', {
      recipients,
      subject: 'Once',
      delay_per_email: 1,
    });
    await waitFor(
      'two messages to arrive',
      () => server.received.filter((m) => m.to[0]?.endsWith('@half.test')).length >= 2,
    );
    expect((await api.request('DELETE', `/api/tasks/${task.id}`)).status).toBe(200);
    await api.waitForStatus(task.id, ['CANCELLED']);

    const retried = await api.request<{ id: string }>('POST', `/api/tasks/${task.id}/retry`);
    const done = await api.waitForStatus(retried.body.id, ['SUCCESS', 'FAILED'], 60_000);
    expect(done.status).toBe('SUCCESS');
    expect(done.result_data).toMatchObject({ total_emails: 4, sent_successfully: 4 });
    for (const address of recipients) {
      expect([address, server.received.filter((m) => m.to.includes(address)).length]).toEqual([
        address,
        1,
      ]);
    }
  });
});
