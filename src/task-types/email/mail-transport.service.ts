import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Readable } from 'node:stream';
import type { Transporter } from 'nodemailer';
import { AppConfig } from '../../config/app-config';
import { createRedisClient, RedisClient } from '../../config/redis-client';
import { ObjectStorage } from '../../storage/object-storage';
import { outboxKey } from '../../storage/storage-keys';
import { SendMail } from './send-loop';
import { SendLimiter } from './send-limiter';
import { SharedSendPacer } from './shared-send-pacer';

/**
 * Real delivery: a pooled SMTP transport when SMTP_URL is set; otherwise each message is rendered
 * by nodemailer and stored as an .eml file under outbox/<task id>/ (DATA_DIR or the bucket).
 * nodemailer is loaded with the first e-mail task (about 12 MB of resident memory that a worker
 * running only other task types does not need).
 */
@Injectable()
export class MailTransport implements OnApplicationShutdown {
  private transport?: Promise<Transporter>;
  private smtp?: Transporter;
  /** Holds the shared send rate's next slot, when SMTP_RATE_PER_SECOND is set. */
  private readonly rateRedis?: RedisClient;
  /**
   * One budget for every e-mail task of this process: as many messages at once as the pool
   * has connections, and the configured rate (which only an SMTP server needs), counted in
   * Redis so that it holds across every worker process together.
   */
  readonly limiter: SendLimiter;

  constructor(
    private readonly config: AppConfig,
    private readonly storage: ObjectStorage,
  ) {
    const { smtp, smtpUrl } = config;
    if (smtpUrl && smtp.ratePerSecond > 0) {
      this.rateRedis = createRedisClient(config.redis, { lazyConnect: true });
    }
    this.limiter = new SendLimiter({
      concurrency: smtp.maxConnections,
      pacer:
        this.rateRedis &&
        new SharedSendPacer(
          this.rateRedis,
          `${config.queuePrefix}:smtp-send-slot`,
          smtp.ratePerSecond,
        ),
    });
  }

  /** The pooled SMTP transport, or the renderer for the outbox; one per process. */
  private transporter(): Promise<Transporter> {
    this.transport ??= import('nodemailer').then(({ default: nodemailer }) => {
      const { smtp, smtpUrl } = this.config;
      if (!smtpUrl) {
        return nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
      }
      this.smtp = nodemailer.createTransport({
        url: smtpUrl,
        pool: true,
        maxConnections: smtp.maxConnections,
        requireTLS: smtp.requireTls,
        tls: { rejectUnauthorized: smtp.tlsRejectUnauthorized },
      });
      return this.smtp;
    });
    return this.transport;
  }

  /** The sender a task asked for, or MAIL_FROM when it named none. */
  senderAddress(requested: string | undefined): string {
    return requested ?? this.config.mailFrom;
  }

  get destination(): string {
    return this.config.smtpUrl ? 'smtp' : 'outbox';
  }

  get retryPolicy(): { maxAttempts: number; retryDelayMs: number } {
    return {
      maxAttempts: this.config.smtp.retryAttempts,
      retryDelayMs: this.config.smtp.retryDelayMs,
    };
  }

  senderFor(taskId: string): SendMail {
    if (this.config.smtpUrl) {
      return async (message) => {
        const info = await (await this.transporter()).sendMail(message);
        return { messageId: info.messageId, response: info.response ?? '' };
      };
    }
    return async (message) => {
      const info = await (await this.transporter()).sendMail(message);
      const name = `${info.messageId.replace(/[^\w.@-]/g, '')}.eml`;
      // One message, already whole in memory as nodemailer built it.
      await this.storage.put(outboxKey(taskId, name), Readable.from([info.message as Buffer]));
      return { messageId: info.messageId, response: `stored as outbox/${taskId}/${name}` };
    };
  }

  async onApplicationShutdown(): Promise<void> {
    this.smtp?.close();
    // As the other Redis clients close: never wait on a connection that is not up.
    if (this.rateRedis?.status === 'ready') await this.rateRedis.quit().catch(() => undefined);
    else this.rateRedis?.disconnect();
  }
}
