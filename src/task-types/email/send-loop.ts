import type Mail from 'nodemailer/lib/mailer';
import { withoutInternals } from '../../core/public-text';
import { sleep } from '../../queue/task-context';
import { DeliveryLedger, DeliveryRecord } from './delivery-ledger';
import { buildMessage, MessageTemplate, Recipient } from './message';
import { IntervalPacer, SendLimiter } from './send-limiter';
import { classifyFailure, SmtpError } from './smtp-failure';

export interface SentInfo {
  messageId: string;
  response: string;
}

export type SendMail = (message: Mail.Options) => Promise<SentInfo>;

export interface SendOptions {
  ledger: DeliveryLedger;
  signal?: AbortSignal;
  onProgress?: (percent: number) => void;
  /** Told each recipient's outcome, and recipients already settled by an earlier attempt. */
  onLog?: (level: 'info' | 'warn' | 'error', message: string) => void;
  /** The least time between two sends of this task (the seed's delay_per_email). */
  delayMs?: number;
  /**
   * The process's sending budget, shared with its other tasks: how many messages at once
   * (this task sends that many in parallel) and how many per second. One at a time if absent.
   */
  limiter?: SendLimiter;
  /** Tries per recipient for temporary failures; waits double each time from retryDelayMs. */
  maxAttempts?: number;
  retryDelayMs?: number;
}

export interface EmailResult {
  [key: string]: unknown;
  total_emails: number;
  sent_successfully: number;
  failed: number;
  emails: DeliveryRecord[];
}
/** The server could not be reached for long enough that the batch stopped. */
export class TransientDeliveryError extends Error {
  /** What was recorded before the batch stopped. */
  partialResult?: EmailResult;
}

function summarize(total: number, emails: DeliveryRecord[]): EmailResult {
  const sent = emails.filter((email) => email.status === 'delivered').length;
  return { total_emails: total, sent_successfully: sent, failed: emails.length - sent, emails };
}

/**
 * Sends to each recipient once, skipping those the ledger already holds, as many at a time as
 * the limiter allows. Each outcome is written to the ledger as soon as it is known. A
 * permanent refusal is recorded for that recipient and the batch goes on; a temporary one is
 * retried with backoff (see FailureKind). On cancel or a lasting connection failure, the sends
 * in flight finish and are recorded before the error is thrown.
 */
export async function sendAll(
  template: MessageTemplate,
  recipients: Recipient[],
  send: SendMail,
  options: SendOptions,
): Promise<EmailResult> {
  const {
    ledger,
    signal,
    onProgress,
    onLog,
    delayMs = 0,
    limiter = new SendLimiter({ concurrency: 1 }),
    maxAttempts = 4,
    retryDelayMs = 500,
  } = options;
  // One send per address, however often (and in whatever letter case) it is listed: later
  // listings share the first one's outcome.
  const keyOf = (recipient: Recipient): string => recipient.email.toLowerCase();
  const outcomes = new Map<string, DeliveryRecord>();
  for (const [to, record] of await ledger.load()) outcomes.set(to.toLowerCase(), record);
  const listings = new Map<string, number>();
  const todo: Recipient[] = [];
  for (const recipient of recipients) {
    const key = keyOf(recipient);
    const listed = listings.get(key) ?? 0;
    listings.set(key, listed + 1);
    if (listed === 0 && !outcomes.has(key)) todo.push(recipient);
  }
  let done = recipients.filter((recipient) => outcomes.has(keyOf(recipient))).length;
  if (outcomes.size > 0) {
    onLog?.(
      'info',
      `${outcomes.size} recipient(s) settled by an earlier attempt are not sent again`,
    );
  }
  if (todo.length > 0) onLog?.('info', `Sending to ${todo.length} recipient(s)`);
  const reportProgress = (): void =>
    onProgress?.(recipients.length === 0 ? 100 : (done / recipients.length) * 100);
  reportProgress();

  // Stops the other lanes' waits when one lane fails for good; never a send in flight.
  const stop = new AbortController();
  const waits = signal ? AbortSignal.any([signal, stop.signal]) : stop.signal;
  const pacer = new IntervalPacer(delayMs);
  const retry = { limiter, maxAttempts, retryDelayMs, signal: waits };
  let next = 0;
  const lane = async (): Promise<void> => {
    for (let recipient = todo[next++]; recipient; recipient = todo[next++]) {
      await pacer.wait(waits);
      const record = await deliver(buildMessage(template, recipient), recipient.email, send, retry);
      // Written the moment the outcome is known: a crash between the server's answer and
      // this write is the one way a recipient can still get the message twice.
      await ledger.record(record);
      outcomes.set(keyOf(recipient), record);
      if (record.status === 'delivered') onLog?.('info', `Sent to ${record.to}`);
      else onLog?.('warn', `Not sent to ${record.to}: ${record.error ?? 'refused'}`);
      done += listings.get(keyOf(recipient)) ?? 1;
      reportProgress();
    }
  };
  const lanes = Array.from({ length: Math.min(limiter.concurrency, todo.length) }, () =>
    lane().catch((error: unknown) => {
      stop.abort(error);
      throw error;
    }),
  );
  const failure = (await Promise.allSettled(lanes)).find((lane) => lane.status === 'rejected');
  signal?.throwIfAborted();
  const result = summarize(
    recipients.length,
    recipients.flatMap((recipient) => outcomes.get(keyOf(recipient)) ?? []),
  );
  if (failure) {
    const error: unknown = failure.reason;
    if (error instanceof TransientDeliveryError) error.partialResult = result;
    throw error;
  }
  return result;
}

const tries = (count: number): string => (count === 1 ? '1 try' : `${count} tries`);

interface RetryPolicy {
  limiter: SendLimiter;
  maxAttempts: number;
  retryDelayMs: number;
  signal: AbortSignal;
}

async function deliver(
  message: Mail.Options,
  to: string,
  send: SendMail,
  { limiter, maxAttempts, retryDelayMs, signal }: RetryPolicy,
): Promise<DeliveryRecord> {
  for (let attempt = 1; ; attempt++) {
    const release = await limiter.acquire(signal);
    try {
      const info = await send(message);
      return {
        to,
        status: 'delivered',
        message_id: info.messageId,
        response: info.response,
        sent_at: new Date().toISOString(),
        error: null,
      };
    } catch (caught) {
      const error = caught as SmtpError;
      const kind = classifyFailure(error);
      const lastTry = attempt >= maxAttempts;
      if (kind === 'permanent' || (kind === 'deferred' && lastTry)) {
        return {
          to,
          status: 'failed',
          message_id: null,
          response: error.response ?? null,
          sent_at: null,
          // Public task data: the server's words, not its address.
          error: withoutInternals(
            kind === 'deferred'
              ? `${error.message} (still refused after ${tries(attempt)})`
              : error.message,
          ),
        };
      }
      if (lastTry) {
        throw new TransientDeliveryError(
          `Delivery to ${to} still failing after ${tries(attempt)}: ${error.message}`,
          { cause: error },
        );
      }
    } finally {
      release();
    }
    await sleep(retryDelayMs * 2 ** (attempt - 1), signal);
  }
}
