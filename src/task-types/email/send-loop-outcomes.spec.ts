import type Mail from 'nodemailer/lib/mailer';
import { deliveredEarlier, MemoryLedger } from '../../testing/memory-ledger';
import { DeliveryRecord } from './delivery-ledger';
import { MessageTemplate, seedRecipients } from './message';
import { sendAll, SendMail, SentInfo, TransientDeliveryError } from './send-loop';

class SmtpError extends Error {
  constructor(
    readonly responseCode: number,
    readonly response: string,
  ) {
    super(`Message failed: ${response}`);
  }
}

const addressOf = (message: Mail.Options): string => {
  const to = message.to;
  if (typeof to === 'string') return to;
  if (to && !Array.isArray(to) && to.address) return to.address;
  throw new Error(`unexpected recipient ${JSON.stringify(to)}`);
};

/** A fake SMTP server: answers per attempt from `plan`, defaulting to 250 OK. */
const fakeSend = (
  plan: Record<string, (attempt: number) => Error | undefined> = {},
): { send: SendMail; sent: string[]; attempts: Map<string, number> } => {
  const sent: string[] = [];
  const attempts = new Map<string, number>();
  const send: SendMail = async (message): Promise<SentInfo> => {
    const to = addressOf(message);
    const attempt = (attempts.get(to) ?? 0) + 1;
    attempts.set(to, attempt);
    const error = plan[to]?.(attempt);
    if (error) throw error;
    sent.push(to);
    return { messageId: `<${to}-${attempt}@test>`, response: '250 2.0.0 OK' };
  };
  return { send, sent, attempts };
};

const TEMPLATE: MessageTemplate = {
  from: 'Conveyor <noreply@example.com>',
  subject: 'Hello {{name}}',
  text: 'Dear {{name}}, your code is {{code}}.',
};

describe('sendAll', () => {
  const recipients = seedRecipients(4);

  it('sends to everyone once, in order, and reports each delivery', async () => {
    const ledger = new MemoryLedger();
    const { send, sent } = fakeSend();
    const result = await sendAll(TEMPLATE, recipients, send, { ledger });
    expect(sent).toEqual(recipients.map((r) => r.email));
    expect(result.total_emails).toBe(4);
    expect(result.sent_successfully).toBe(4);
    expect(result.failed).toBe(0);
    expect(result.emails.map((e) => e.to)).toEqual(sent);
    for (const email of result.emails) {
      expect(email).toMatchObject({ status: 'delivered', response: '250 2.0.0 OK', error: null });
      expect(email.message_id).toBe(`<${email.to}-1@test>`);
      expect(new Date(email.sent_at ?? '').toISOString()).toBe(email.sent_at);
    }
    expect(ledger.recorded).toEqual(result.emails);
  });

  it('never sends again to a recipient the ledger already holds', async () => {
    const earlier = [deliveredEarlier('user1@example.com'), deliveredEarlier('user3@example.com')];
    const ledger = new MemoryLedger(earlier);
    const { send, sent } = fakeSend();
    const result = await sendAll(TEMPLATE, recipients, send, { ledger });
    expect(sent).toEqual(['user2@example.com', 'user4@example.com']);
    expect(result.emails[0]).toEqual(earlier[0]);
    expect(result.emails[2]).toEqual(earlier[1]);
    expect(result.sent_successfully).toBe(4);
    expect(ledger.recorded.map((r) => r.to)).toEqual(sent);
  });

  it('does not retry a recipient the ledger holds as failed', async () => {
    const failed: DeliveryRecord = {
      to: 'user2@example.com',
      status: 'failed',
      message_id: null,
      response: '550 no such user',
      sent_at: null,
      error: 'rejected',
    };
    const { send, sent } = fakeSend();
    const result = await sendAll(TEMPLATE, recipients, send, {
      ledger: new MemoryLedger([failed]),
    });
    expect(sent).not.toContain('user2@example.com');
    expect(result).toMatchObject({ total_emails: 4, sent_successfully: 3, failed: 1 });
  });

  it('sends only once to an address that appears twice in the list', async () => {
    const { send, sent } = fakeSend();
    const twice = [...seedRecipients(2), { email: 'user1@example.com' }];
    const result = await sendAll(TEMPLATE, twice, send, { ledger: new MemoryLedger() });
    expect(sent).toEqual(['user1@example.com', 'user2@example.com']);
    expect(result.emails).toHaveLength(3);
    expect(result.emails[2]).toEqual(result.emails[0]);
  });

  it('records a permanent (5xx) refusal and goes on with the batch', async () => {
    const ledger = new MemoryLedger();
    const { send, sent, attempts } = fakeSend({
      'user2@example.com': () => new SmtpError(550, '550 5.1.1 no such user'),
    });
    const result = await sendAll(TEMPLATE, recipients, send, { ledger, retryDelayMs: 1 });
    expect(attempts.get('user2@example.com')).toBe(1);
    expect(sent).toEqual(['user1@example.com', 'user3@example.com', 'user4@example.com']);
    expect(result).toMatchObject({ total_emails: 4, sent_successfully: 3, failed: 1 });
    expect(result.emails[1]).toEqual({
      to: 'user2@example.com',
      status: 'failed',
      message_id: null,
      response: '550 5.1.1 no such user',
      sent_at: null,
      error: 'Message failed: 550 5.1.1 no such user',
    });
    expect(ledger.records.get('user2@example.com')?.status).toBe('failed');
  });

  it('retries a temporary (4xx) failure with backoff, then delivers', async () => {
    jest.useFakeTimers();
    try {
      const { send, attempts } = fakeSend({
        'user1@example.com': (attempt) =>
          attempt < 3 ? new SmtpError(451, '451 4.7.1 try again later') : undefined,
      });
      const running = sendAll(TEMPLATE, recipients, send, {
        ledger: new MemoryLedger(),
        retryDelayMs: 20,
      });
      const triesAfter = async (ms: number): Promise<number | undefined> => {
        await jest.advanceTimersByTimeAsync(ms);
        return attempts.get('user1@example.com');
      };
      // Waits of 20 ms, then twice that, between the tries.
      expect(await triesAfter(0)).toBe(1);
      expect(await triesAfter(19)).toBe(1);
      expect(await triesAfter(1)).toBe(2);
      expect(await triesAfter(39)).toBe(2);
      expect(await triesAfter(1)).toBe(3);
      const result = await running;
      expect(result.emails[0]).toMatchObject({
        status: 'delivered',
        message_id: '<user1@example.com-3@test>',
      });
      expect(result).toMatchObject({ sent_successfully: 4, failed: 0 });
    } finally {
      jest.useRealTimers();
    }
  });

  it('retries a dropped connection too', async () => {
    const dropped = Object.assign(new Error('Connection closed'), { code: 'ECONNECTION' });
    const { send, attempts } = fakeSend({
      'user1@example.com': (attempt) => (attempt === 1 ? dropped : undefined),
    });
    const result = await sendAll(TEMPLATE, recipients, send, {
      ledger: new MemoryLedger(),
      retryDelayMs: 1,
    });
    expect(attempts.get('user1@example.com')).toBe(2);
    expect(result.sent_successfully).toBe(4);
  });

  it('ends with TransientDeliveryError when a temporary failure persists', async () => {
    const ledger = new MemoryLedger();
    const busy = new SmtpError(421, '421 4.3.2 service not available');
    const { send, sent, attempts } = fakeSend({ 'user2@example.com': () => busy });
    const attempt = sendAll(TEMPLATE, recipients, send, {
      ledger,
      maxAttempts: 3,
      retryDelayMs: 1,
    });
    await expect(attempt).rejects.toBeInstanceOf(TransientDeliveryError);
    await expect(attempt).rejects.toThrow(/user2@example\.com.*3 tries.*421/);
    await expect(attempt).rejects.toHaveProperty('cause', busy);
    expect(attempts.get('user2@example.com')).toBe(3);
    expect(sent).toEqual(['user1@example.com']);
    // What was delivered before stays in the ledger, so a retry of the task skips it.
    expect([...ledger.records.keys()]).toEqual(['user1@example.com']);
  });

  it('stops the loop when the signal aborts', async () => {
    const controller = new AbortController();
    const reason = new Error('cancelled');
    const { send, sent } = fakeSend();
    const sendThenCancel: SendMail = async (message) => {
      const info = await send(message);
      if (sent.length === 2) controller.abort(reason);
      return info;
    };
    const ledger = new MemoryLedger();
    await expect(
      sendAll(TEMPLATE, recipients, sendThenCancel, { ledger, signal: controller.signal }),
    ).rejects.toBe(reason);
    expect(sent).toEqual(['user1@example.com', 'user2@example.com']);
    expect(ledger.recorded).toHaveLength(2);
  });

  it('stops while it waits between sends', async () => {
    const controller = new AbortController();
    const reason = new Error('cancelled');
    const { send, sent } = fakeSend();
    const attempt = sendAll(TEMPLATE, recipients, send, {
      ledger: new MemoryLedger(),
      signal: controller.signal,
      delayMs: 3_600_000,
    });
    setTimeout(() => controller.abort(reason), 20);
    await expect(attempt).rejects.toBe(reason);
    expect(sent).toEqual(['user1@example.com']);
  });

  it('stops while it waits to retry', async () => {
    const controller = new AbortController();
    const reason = new Error('cancelled');
    const { send, attempts } = fakeSend({
      'user1@example.com': () => new SmtpError(450, '450 mailbox busy'),
    });
    const attempt = sendAll(TEMPLATE, recipients, send, {
      ledger: new MemoryLedger(),
      signal: controller.signal,
      retryDelayMs: 3_600_000,
    });
    setTimeout(() => controller.abort(reason), 20);
    await expect(attempt).rejects.toBe(reason);
    expect(attempts.get('user1@example.com')).toBe(1);
  });

  it('waits between sends but not before the first', async () => {
    jest.useFakeTimers();
    try {
      const { send, sent } = fakeSend();
      const running = sendAll(TEMPLATE, seedRecipients(3), send, {
        ledger: new MemoryLedger(),
        delayMs: 40,
      });
      await jest.advanceTimersByTimeAsync(0);
      expect(sent).toHaveLength(1);
      await jest.advanceTimersByTimeAsync(39);
      expect(sent).toHaveLength(1);
      await jest.advanceTimersByTimeAsync(1);
      expect(sent).toHaveLength(2);
      await jest.advanceTimersByTimeAsync(40);
      expect(sent).toHaveLength(3);
      await running;
    } finally {
      jest.useRealTimers();
    }
  });

  it('reports monotone progress that reaches 100', async () => {
    const progress: number[] = [];
    const ledger = new MemoryLedger([deliveredEarlier('user2@example.com')]);
    await sendAll(TEMPLATE, recipients, fakeSend().send, {
      ledger,
      onProgress: (percent) => progress.push(percent),
    });
    expect(progress).toEqual([25, 50, 75, 100]);
  });
});
