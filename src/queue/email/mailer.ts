import type Mail from 'nodemailer/lib/mailer';
import { sleep } from '../task-context';

export interface Recipient {
  email: string;
  name?: string;
  /** Values for {{placeholders}} in the subject and bodies. */
  fields?: Record<string, string>;
}

export interface MessageTemplate {
  from: string;
  subject: string;
  text?: string;
  html?: string;
}

export interface DeliveryRecord {
  to: string;
  status: 'delivered' | 'failed';
  message_id: string | null;
  response: string | null;
  sent_at: string | null;
  error: string | null;
}

/** Remembers who was already mailed, so a re-delivered task never mails anyone twice. */
export interface DeliveryLedger {
  load(): Promise<Map<string, DeliveryRecord>>;
  record(delivery: DeliveryRecord): Promise<void>;
}

export interface SentInfo {
  messageId: string;
  response: string;
}

export type SendMail = (message: Mail.Options) => Promise<SentInfo>;

export interface SendOptions {
  ledger: DeliveryLedger;
  signal?: AbortSignal;
  onProgress?: (percent: number) => void;
  delayMs?: number;
  /** Tries per recipient for temporary (4xx) failures; waits double each time from retryDelayMs. */
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

/** The seed's recipients: user1@example.com … userN@example.com. */
export const seedRecipients = (count: number): Recipient[] =>
  Array.from({ length: count }, (_, i) => ({ email: `user${i + 1}@example.com` }));

/** Replaces {{name}}, {{email}} and the recipient's own fields; unknown placeholders stay as they are. */
export function fillPlaceholders(template: string, recipient: Recipient): string {
  const values: Record<string, string> = {
    email: recipient.email,
    name: recipient.name ?? '',
    ...recipient.fields,
  };
  return template.replace(/\{\{\s*([\w.-]+)\s*\}\}/g, (match, key: string) =>
    Object.prototype.hasOwnProperty.call(values, key) ? values[key] : match,
  );
}

export function buildMessage(template: MessageTemplate, recipient: Recipient): Mail.Options {
  return {
    from: template.from,
    to: recipient.name ? { name: recipient.name, address: recipient.email } : recipient.email,
    subject: fillPlaceholders(template.subject, recipient),
    text: template.text === undefined ? undefined : fillPlaceholders(template.text, recipient),
    html: template.html === undefined ? undefined : fillPlaceholders(template.html, recipient),
  };
}

interface SmtpError extends Error {
  responseCode?: number;
  response?: string;
  code?: string;
}

const TRANSIENT_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ECONNRESET', 'ESOCKET', 'EDNS']);

/** 4xx answers and dropped connections are worth another try; 5xx answers are final. */
export function isTemporaryFailure(error: SmtpError): boolean {
  if (typeof error.responseCode === 'number')
    return error.responseCode >= 400 && error.responseCode < 500;
  return error.code !== undefined && TRANSIENT_CODES.has(error.code);
}

export class TransientDeliveryError extends Error {}

/**
 * Sends to each recipient once, in order, skipping those the ledger already holds. A permanent
 * refusal is recorded for that recipient; a temporary one is retried with backoff and, when it
 * persists, stops the batch with TransientDeliveryError so the whole task can be tried again.
 */
export async function sendAll(
  template: MessageTemplate,
  recipients: Recipient[],
  send: SendMail,
  options: SendOptions,
): Promise<EmailResult> {
  const { ledger, signal, onProgress, delayMs = 0, maxAttempts = 4, retryDelayMs = 500 } = options;
  const done = await options.ledger.load();
  const emails: DeliveryRecord[] = [];
  let index = 0;
  for (const recipient of recipients) {
    signal?.throwIfAborted();
    let record = done.get(recipient.email);
    if (!record) {
      if (index > 0 && delayMs > 0) await sleep(delayMs, signal);
      record = await deliver(buildMessage(template, recipient), recipient.email, send, {
        maxAttempts,
        retryDelayMs,
        signal,
      });
      await ledger.record(record);
      done.set(recipient.email, record);
      index++;
    }
    emails.push(record);
    onProgress?.((emails.length / recipients.length) * 100);
  }
  const sent = emails.filter((email) => email.status === 'delivered').length;
  return {
    total_emails: recipients.length,
    sent_successfully: sent,
    failed: emails.length - sent,
    emails,
  };
}

async function deliver(
  message: Mail.Options,
  to: string,
  send: SendMail,
  {
    maxAttempts,
    retryDelayMs,
    signal,
  }: { maxAttempts: number; retryDelayMs: number; signal?: AbortSignal },
): Promise<DeliveryRecord> {
  for (let attempt = 1; ; attempt++) {
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
      if (!isTemporaryFailure(error)) {
        return {
          to,
          status: 'failed',
          message_id: null,
          response: error.response ?? null,
          sent_at: null,
          error: error.message,
        };
      }
      if (attempt >= maxAttempts) {
        throw new TransientDeliveryError(
          `Delivery to ${to} still failing after ${attempt} tries: ${error.message}`,
          { cause: error },
        );
      }
      await sleep(retryDelayMs * 2 ** (attempt - 1), signal);
    }
  }
}
