import { ParsedMail, simpleParser } from 'mailparser';
import { AddressInfo } from 'node:net';
import { SMTPServer, SMTPServerAddress } from 'smtp-server';

export interface ReceivedMail {
  /** The envelope's recipients (RCPT TO), lower-cased. */
  to: string[];
  parsed: ParsedMail;
  /** What the server answered to the client's DATA. */
  response: string;
  /**
   * When the client began the message with MAIL FROM (ms since the epoch), to measure send
   * rates: the command a sender issues first once it may send, so the least delayed by this
   * server's own turns.
   */
  at: number;
}

interface HeldMail {
  mail: Omit<ReceivedMail, 'response'>;
  answer: (error: Error | null, message?: string) => void;
}

const domainOf = (address: string): string => address.slice(address.lastIndexOf('@') + 1);

/**
 * A real SMTP server on 127.0.0.1 for e2e suites. Its behaviour follows the recipient's
 * address, so tests sharing it stay apart:
 * - local part `rejected…`: every RCPT TO answers 550;
 * - local part `greylisted…`: the first RCPT TO answers 451, later ones are accepted.
 * `hold()` keeps chosen messages unanswered (the client waits for its 250) until released.
 */
export class TestSmtpServer {
  readonly received: ReceivedMail[] = [];
  /** RCPT TO commands per address, answered or refused. */
  readonly rcptCount = new Map<string, number>();
  /** The most SMTP sessions that were open at once. */
  maxOpenSessions = 0;
  readonly held: HeldMail[] = [];
  private openSessions = 0;
  private holding?: (mail: Omit<ReceivedMail, 'response'>) => boolean;
  private accepted = 0;
  /** MAIL FROM time of each session's current message. */
  private readonly mailFromAt = new Map<string, number>();

  private readonly server: SMTPServer;
  private readonly secure: boolean;
  private port = 0;

  private constructor({ secure = false }: { secure?: boolean }) {
    this.secure = secure;
    this.server = new SMTPServer({
      secure,
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onConnect: (_session, callback) => {
        this.sessionOpened();
        callback();
      },
      onClose: (session) => {
        this.mailFromAt.delete(session.id);
        this.sessionClosed();
      },
      onMailFrom: (_address, session, callback) => {
        this.mailFromAt.set(session.id, Date.now());
        callback();
      },
      onRcptTo: (address, _session, callback) => callback(this.checkRecipient(address)),
      onData: (stream, session, callback) => {
        const at = this.mailFromAt.get(session.id) ?? Date.now();
        const to = session.envelope.rcptTo.map((rcpt) => rcpt.address.toLowerCase());
        simpleParser(stream).then(
          (parsed) => this.arrived({ to, parsed, at }, callback),
          (error: Error) => callback(error),
        );
      },
    });
  }

  /** Listens on 127.0.0.1 (`port`, or a free one); with `secure`, TLS from the first byte (smtps). */
  static async start(options: { secure?: boolean; port?: number } = {}): Promise<TestSmtpServer> {
    const smtp = new TestSmtpServer(options);
    await new Promise<void>((resolve, reject) => {
      smtp.server.once('error', reject);
      smtp.server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    });
    smtp.port = (smtp.server.server.address() as AddressInfo).port;
    return smtp;
  }

  /** The SMTP_URL that points at this server. */
  get url(): string {
    return `${this.secure ? 'smtps' : 'smtp'}://127.0.0.1:${this.port}`;
  }

  /** Messages accepted for this address (case-insensitive). */
  receivedBy(address: string): ReceivedMail[] {
    return this.received.filter((mail) => mail.to.includes(address.toLowerCase()));
  }

  /** Messages accepted for any address of this domain. */
  receivedAt(domain: string): ReceivedMail[] {
    return this.received.filter((mail) => mail.to.some((to) => domainOf(to) === domain));
  }

  /** From now on, keeps the messages `when` picks unanswered, until released or dropped. */
  hold(when: (mail: Omit<ReceivedMail, 'response'>) => boolean): void {
    this.holding = when;
  }

  /** Stops holding and accepts the messages held so far. */
  releaseHeld(): void {
    this.holding = undefined;
    for (const { mail, answer } of this.held.splice(0)) this.accept(mail, answer);
  }

  /** Stops holding and forgets the held messages: their clients are gone and never got a 250. */
  dropHeld(): void {
    this.holding = undefined;
    this.held.splice(0);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private sessionOpened(): void {
    this.openSessions++;
    this.maxOpenSessions = Math.max(this.maxOpenSessions, this.openSessions);
  }

  private sessionClosed(): void {
    this.openSessions--;
  }

  private checkRecipient(address: SMTPServerAddress): Error | undefined {
    const email = address.address.toLowerCase();
    const count = (this.rcptCount.get(email) ?? 0) + 1;
    this.rcptCount.set(email, count);
    if (email.startsWith('rejected')) return smtpReply(550, '5.1.1 No such user here');
    if (email.startsWith('greylisted') && count === 1) {
      return smtpReply(451, '4.7.1 Greylisted, please try again later');
    }
    return undefined;
  }

  private arrived(mail: Omit<ReceivedMail, 'response'>, answer: HeldMail['answer']): void {
    if (this.holding?.(mail)) this.held.push({ mail, answer });
    else this.accept(mail, answer);
  }

  private accept(mail: Omit<ReceivedMail, 'response'>, answer: HeldMail['answer']): void {
    this.accepted++;
    const message = `Queued as T${this.accepted}`;
    this.received.push({ ...mail, response: `250 ${message}` });
    answer(null, message);
  }
}

function smtpReply(code: number, text: string): Error {
  return Object.assign(new Error(text), { responseCode: code });
}
