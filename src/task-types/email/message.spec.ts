import { simpleParser } from 'mailparser';
import nodemailer from 'nodemailer';
import {
  buildMessage,
  fillPlaceholders,
  MessageTemplate,
  Recipient,
  seedRecipients,
} from './message';

const TEMPLATE: MessageTemplate = {
  from: 'Conveyor <noreply@example.com>',
  subject: 'Hello {{name}}',
  text: 'Dear {{name}}, your code is {{code}}.',
};

describe('seedRecipients', () => {
  it('numbers the seed recipients from 1', () => {
    expect(seedRecipients(3)).toEqual([
      { email: 'user1@example.com' },
      { email: 'user2@example.com' },
      { email: 'user3@example.com' },
    ]);
    expect(seedRecipients(0)).toEqual([]);
  });
});

describe('fillPlaceholders', () => {
  const ada: Recipient = { email: 'ada@example.com', name: 'Ada', fields: { code: 'X1' } };

  it('fills name, email and the recipient’s own fields', () => {
    expect(fillPlaceholders('{{name}} <{{email}}> {{code}}', ada)).toBe('Ada <ada@example.com> X1');
  });

  it('allows spaces inside the braces', () => {
    expect(fillPlaceholders('Hi {{ name }}!', ada)).toBe('Hi Ada!');
  });

  it('leaves unknown placeholders as they are', () => {
    expect(fillPlaceholders('{{unknown}} and {{name}}', ada)).toBe('{{unknown}} and Ada');
  });

  it('does not read inherited object properties', () => {
    expect(fillPlaceholders('{{constructor}} {{toString}}', ada)).toBe(
      '{{constructor}} {{toString}}',
    );
  });

  it('gives an empty name when the recipient has none', () => {
    expect(fillPlaceholders('Hi {{name}}.', { email: 'x@example.com' })).toBe('Hi .');
  });

  it('inserts values literally, even ones that look like replacement patterns', () => {
    const recipient = { email: 'x@example.com', fields: { code: "$& $1 $' {{name}}" } };
    expect(fillPlaceholders('[{{code}}]', recipient)).toBe("[$& $1 $' {{name}}]");
  });
});

describe('buildMessage', () => {
  it('addresses a named recipient by name and fills subject and bodies', () => {
    const message = buildMessage(
      { ...TEMPLATE, html: '<p>{{name}}</p>' },
      { email: 'ada@example.com', name: 'Ada', fields: { code: '42' } },
    );
    expect(message).toEqual({
      from: 'Conveyor <noreply@example.com>',
      to: { name: 'Ada', address: 'ada@example.com' },
      subject: 'Hello Ada',
      text: 'Dear Ada, your code is 42.',
      html: '<p>Ada</p>',
    });
  });

  it('addresses an unnamed recipient by address and leaves out a missing body', () => {
    const message = buildMessage(
      { from: 'a@example.com', subject: 'Hi', html: '<b>{{email}}</b>' },
      { email: 'b@example.com' },
    );
    expect(message.to).toBe('b@example.com');
    expect(message.text).toBeUndefined();
    expect(message.html).toBe('<b>b@example.com</b>');
  });

  it('renders to a real message with nodemailer', async () => {
    const transport = nodemailer.createTransport({
      streamTransport: true,
      buffer: true,
      newline: 'unix',
    });
    const message = buildMessage(
      { ...TEMPLATE, subject: 'Grüße, {{name}}', html: '<p>Dear <b>{{name}}</b></p>' },
      { email: 'ada@example.com', name: 'Ada Lovelace', fields: { code: 'Q7' } },
    );
    const info = await transport.sendMail(message);
    const rendered = info.message as Buffer;
    expect(Buffer.isBuffer(rendered)).toBe(true);
    const raw = rendered.toString('utf8');
    expect(raw).toMatch(/^From: Conveyor <noreply@example\.com>$/m);
    expect(raw).toMatch(/^To: Ada Lovelace <ada@example\.com>$/m);
    expect(raw).toMatch(/^Subject: =\?UTF-8\?/m);
    expect(raw).toMatch(/^Message-ID: <.+>$/m);
    expect(raw).toMatch(/^Content-Type: multipart\/alternative/m);

    const parsed = await simpleParser(rendered);
    expect(parsed.subject).toBe('Grüße, Ada Lovelace');
    expect(parsed.text?.trim()).toBe('Dear Ada Lovelace, your code is Q7.');
    expect(parsed.html).toContain('<b>Ada Lovelace</b>');
    expect(info.envelope).toEqual({ from: 'noreply@example.com', to: ['ada@example.com'] });
  });
});
