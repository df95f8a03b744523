import type Mail from 'nodemailer/lib/mailer';
import { deliveredEarlier, MemoryLedger } from '../../testing/memory-ledger';
import { MessageTemplate, Recipient } from './message';
import { sendAll, SendMail, SentInfo, TransientDeliveryError } from './send-loop';
import { SendLimiter } from './send-limiter';

const smtpError = (responseCode: number, text: string) =>
  Object.assign(new Error(`Can't send mail: ${responseCode} ${text}`), {
    code: 'EENVELOPE',
    responseCode,
    response: `${responseCode} ${text}`,
  });

const addressOf = (message: Mail.Options): string =>
  typeof message.to === 'string' ? message.to : ((message.to as Mail.Address).address ?? '');

/** A sender that accepts everything at once and remembers what it got. */
function acceptingSender() {
  const sent: Mail.Options[] = [];
  const send: SendMail = async (message) => {
    sent.push(message);
    return { messageId: `<${sent.length}@test>`, response: `250 queued as ${sent.length}` };
  };
  return { sent, send };
}

/** A sender whose sends stay in flight until the test lets them finish. */
function heldSender() {
  const inFlight: { to: string; finish: () => void; fail: (error: Error) => void }[] = [];
  let mostAtOnce = 0;
  const send: SendMail = (message) =>
    new Promise<SentInfo>((resolve, reject) => {
      const entry = {
        to: addressOf(message),
        finish: () => {
          inFlight.splice(inFlight.indexOf(entry), 1);
          resolve({ messageId: `<${entry.to}>`, response: '250 ok' });
        },
        fail: (error: Error) => {
          inFlight.splice(inFlight.indexOf(entry), 1);
          reject(error);
        },
      };
      inFlight.push(entry);
      mostAtOnce = Math.max(mostAtOnce, inFlight.length);
    });
  return { send, inFlight, mostAtOnce: () => mostAtOnce };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await flush();
}

const template: MessageTemplate = {
  from: 'Conveyor <conveyor@example.com>',
  subject: 'Hello {{name}}, about {{plan}}',
  text: 'Dear {{name}} <{{email}}>, your plan is {{plan}}. {{unknown}} stays.',
  html: '<p>Dear {{name}}, your plan is {{plan}}.</p>',
};

const people = (count: number): Recipient[] =>
  Array.from({ length: count }, (_, i) => ({ email: `p${i + 1}@example.com` }));

describe('sendAll', () => {
  afterEach(() => jest.useRealTimers());

  it('fills each message from its recipient and reports every delivery', async () => {
    const { sent, send } = acceptingSender();
    const ledger = new MemoryLedger();
    const progress: number[] = [];
    const result = await sendAll(
      template,
      [
        { email: 'ann@example.com', name: 'Ann', fields: { plan: 'Pro & <b>more</b>' } },
        { email: 'bob@example.com', fields: { plan: 'Basic\r\nBcc: all@example.com' } },
      ],
      send,
      { ledger, onProgress: (percent) => progress.push(percent) },
    );

    expect(sent[0]).toEqual({
      from: 'Conveyor <conveyor@example.com>',
      to: { name: 'Ann', address: 'ann@example.com' },
      subject: 'Hello Ann, about Pro & <b>more</b>',
      text: 'Dear Ann <ann@example.com>, your plan is Pro & <b>more</b>. {{unknown}} stays.',
      html: '<p>Dear Ann, your plan is Pro &amp; &lt;b&gt;more&lt;/b&gt;.</p>',
    });
    expect(sent[1].to).toBe('bob@example.com');
    expect(sent[1].subject).toBe('Hello , about Basic Bcc: all@example.com');
    expect(result).toEqual({
      total_emails: 2,
      sent_successfully: 2,
      failed: 0,
      emails: [
        {
          to: 'ann@example.com',
          status: 'delivered',
          message_id: '<1@test>',
          response: '250 queued as 1',
          sent_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/) as string,
          error: null,
        },
        expect.objectContaining({ to: 'bob@example.com', status: 'delivered' }),
      ],
    });
    expect([...ledger.records.values()]).toEqual(result.emails);
    expect(progress).toEqual([0, 50, 100]);
  });

  it('never sends again to a recipient the ledger holds, and keeps its recorded outcome', async () => {
    const earlier = deliveredEarlier('p2@example.com', '<before-the-crash@test>');
    const { sent, send } = acceptingSender();
    const ledger = new MemoryLedger([earlier]);
    const result = await sendAll(template, people(3), send, { ledger });
    expect(sent.map(addressOf)).toEqual(['p1@example.com', 'p3@example.com']);
    expect(result.emails.map((email) => email.to)).toEqual([
      'p1@example.com',
      'p2@example.com',
      'p3@example.com',
    ]);
    expect(result.emails[1]).toEqual(earlier);
    expect(ledger.recorded.length).toBe(2);
  });

  it('sends once to an address listed twice in any letter case; both listings get its outcome', async () => {
    const { sent, send } = acceptingSender();
    const progress: number[] = [];
    const result = await sendAll(
      template,
      [
        { email: 'ann@example.com', name: 'Ann' },
        { email: 'bob@example.com' },
        { email: 'ANN@example.com' },
      ],
      send,
      { ledger: new MemoryLedger(), onProgress: (percent) => progress.push(percent) },
    );
    expect(sent.map(addressOf)).toEqual(['ann@example.com', 'bob@example.com']);
    expect(result.emails).toHaveLength(3);
    expect(result.emails[2]).toEqual(result.emails[0]);
    expect(progress.at(-1)).toBe(100);
  });

  it('records a 5xx refusal for that recipient and goes on with the others', async () => {
    const send: SendMail = async (message) => {
      if (addressOf(message) === 'p2@example.com') throw smtpError(550, 'No such user');
      return { messageId: '<id@test>', response: '250 ok' };
    };
    const result = await sendAll(template, people(3), send, { ledger: new MemoryLedger() });
    expect(result).toMatchObject({ total_emails: 3, sent_successfully: 2, failed: 1 });
    expect(result.emails[1]).toEqual({
      to: 'p2@example.com',
      status: 'failed',
      message_id: null,
      response: '550 No such user',
      sent_at: null,
      error: "Can't send mail: 550 No such user",
    });
  });

  it('retries a 4xx answer after a doubling wait, and delivers when it clears', async () => {
    jest.useFakeTimers();
    const start = Date.now();
    const triedAt: number[] = [];
    const send: SendMail = async () => {
      triedAt.push(Date.now() - start);
      if (triedAt.length < 3) throw smtpError(451, 'Try again later');
      return { messageId: '<id@test>', response: '250 ok' };
    };
    const batch = sendAll(template, people(1), send, {
      ledger: new MemoryLedger(),
      retryDelayMs: 100,
    });
    await jest.advanceTimersByTimeAsync(1000);
    expect((await batch).emails[0].status).toBe('delivered');
    expect(triedAt).toEqual([0, 100, 300]);
  });

  it('records a 4xx that lasts through every try as failed, and goes on', async () => {
    let tries = 0;
    const send: SendMail = async (message) => {
      if (addressOf(message) === 'p1@example.com') {
        tries++;
        throw smtpError(452, 'Mailbox full');
      }
      return { messageId: '<id@test>', response: '250 ok' };
    };
    const result = await sendAll(template, people(2), send, {
      ledger: new MemoryLedger(),
      maxAttempts: 3,
      retryDelayMs: 1,
    });
    expect(tries).toBe(3);
    expect(result.emails[0]).toMatchObject({
      status: 'failed',
      response: '452 Mailbox full',
      error: "Can't send mail: 452 Mailbox full (still refused after 3 tries)",
    });
    expect(result.emails[1].status).toBe('delivered');
  });

  it('stops the batch when the server stays unreachable, with what was recorded', async () => {
    const send: SendMail = async (message) => {
      if (addressOf(message) === 'p2@example.com') {
        throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNECTION' });
      }
      return { messageId: '<id@test>', response: '250 ok' };
    };
    const ledger = new MemoryLedger();
    const failure = await sendAll(template, people(3), send, {
      ledger,
      maxAttempts: 2,
      retryDelayMs: 1,
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TransientDeliveryError);
    const error = failure as TransientDeliveryError;
    expect(error.message).toBe(
      'Delivery to p2@example.com still failing after 2 tries: connect ECONNREFUSED',
    );
    expect(error.partialResult).toMatchObject({
      total_emails: 3,
      sent_successfully: 1,
      failed: 0,
      emails: [{ to: 'p1@example.com', status: 'delivered' }],
    });
    expect([...ledger.records.keys()]).toEqual(['p1@example.com']);
  });

  it('sends as many at once as the limiter allows, and no more, recording each as it ends', async () => {
    const sender = heldSender();
    const ledger = new MemoryLedger();
    const limiter = new SendLimiter({ concurrency: 3 });
    const batch = sendAll(template, people(7), sender.send, { ledger, limiter });

    await until(() => sender.inFlight.length === 3);
    expect(sender.inFlight.map((send) => send.to)).toEqual([
      'p1@example.com',
      'p2@example.com',
      'p3@example.com',
    ]);
    sender.inFlight[1].finish();
    await until(() => sender.inFlight.length === 3);
    expect([...ledger.records.keys()]).toEqual(['p2@example.com']);
    while (sender.inFlight.length > 0) {
      sender.inFlight[0].finish();
      await flush();
    }

    const result = await batch;
    expect(sender.mostAtOnce()).toBe(3);
    expect(result.sent_successfully).toBe(7);
    expect(result.emails.map((email) => email.to)).toEqual(people(7).map((p) => p.email));
    expect(ledger.recorded.length).toBe(7);
  });

  it('shares the limiter between tasks: two batches together stay within its slots', async () => {
    const sender = heldSender();
    const limiter = new SendLimiter({ concurrency: 2 });
    const batches = [
      sendAll(template, people(3), sender.send, { ledger: new MemoryLedger(), limiter }),
      sendAll(template, people(3), sender.send, { ledger: new MemoryLedger(), limiter }),
    ];
    await until(() => sender.inFlight.length === 2);
    while (sender.inFlight.length > 0) {
      sender.inFlight[0].finish();
      await flush();
    }
    await Promise.all(batches);
    expect(sender.mostAtOnce()).toBe(2);
  });

  it('on cancel, lets the sends in flight finish and records them, then starts no more', async () => {
    const sender = heldSender();
    const ledger = new MemoryLedger();
    const controller = new AbortController();
    const batch = sendAll(template, people(10), sender.send, {
      ledger,
      signal: controller.signal,
      limiter: new SendLimiter({ concurrency: 2 }),
    }).catch((error: unknown) => error);

    await until(() => sender.inFlight.length === 2);
    controller.abort(new Error('The task was cancelled'));
    sender.inFlight[0].finish();
    sender.inFlight[0].finish();

    expect(await batch).toEqual(new Error('The task was cancelled'));
    expect([...ledger.records.keys()]).toEqual(['p1@example.com', 'p2@example.com']);
    expect(sender.inFlight).toHaveLength(0);
  });

  it('spaces the sends of a task by delayMs, even when it may send several at once', async () => {
    jest.useFakeTimers();
    const start = Date.now();
    const startedAt: number[] = [];
    const send: SendMail = async () => {
      startedAt.push(Date.now() - start);
      return { messageId: '<id@test>', response: '250 ok' };
    };
    const batch = sendAll(template, people(3), send, {
      ledger: new MemoryLedger(),
      delayMs: 30,
      limiter: new SendLimiter({ concurrency: 3 }),
    });
    await jest.advanceTimersByTimeAsync(1000);
    await batch;
    expect(startedAt).toEqual([0, 30, 60]);
  });
});
