import type Mail from 'nodemailer/lib/mailer';

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
/** The seed's recipients: user1@example.com … userN@example.com. */
export const seedRecipients = (count: number): Recipient[] =>
  Array.from({ length: count }, (_, i) => ({ email: `user${i + 1}@example.com` }));

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export const escapeHtml = (value: string): string =>
  value.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char]);

/**
 * Replaces {{name}}, {{email}} and the recipient's own fields, each value passed through
 * `escape` (HTML-escaping for an HTML body); unknown placeholders stay as they are.
 */
export function fillPlaceholders(
  template: string,
  recipient: Recipient,
  escape: (value: string) => string = (value) => value,
): string {
  const values: Record<string, string> = {
    email: recipient.email,
    name: recipient.name ?? '',
    ...recipient.fields,
  };
  return template.replace(/\{\{\s*([\w.-]+)\s*\}\}/g, (match, key: string) =>
    Object.prototype.hasOwnProperty.call(values, key) ? escape(values[key]) : match,
  );
}

/** The subject stays one line whatever a recipient's fields hold. */
const oneLine = (value: string): string => value.replace(/\s*[\r\n]+\s*/g, ' ');

export function buildMessage(template: MessageTemplate, recipient: Recipient): Mail.Options {
  return {
    from: template.from,
    to: recipient.name ? { name: recipient.name, address: recipient.email } : recipient.email,
    subject: fillPlaceholders(template.subject, recipient, oneLine),
    text: template.text === undefined ? undefined : fillPlaceholders(template.text, recipient),
    html:
      template.html === undefined
        ? undefined
        : fillPlaceholders(template.html, recipient, escapeHtml),
  };
}
