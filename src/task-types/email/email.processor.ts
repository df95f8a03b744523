import { Processor } from '@nestjs/bullmq';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AppConfig } from '../../config/app-config';
import { EmailDelivery } from '../../database/email-delivery.entity';
import { JsonObject } from '../../core/json';
import { EmailParams } from './email.params';
import { TaskContext } from '../../queue/task-context';
import { queueNameOf } from '../../queue/task-job';
import { TaskFailure, TransientTaskError } from '../../queue/task-errors';
import { TaskProcessor } from '../../queue/task.processor';
import { WORKER_OPTIONS } from '../../queue/worker-options';
import { MailTransport } from './mail-transport.service';
import { sendAll, TransientDeliveryError } from './send-loop';
import { isCertificateFailure } from './smtp-failure';
import { recipientsOf } from './recipients';
import { mailPolicyOf, mailPolicyProblems } from './mail-policy';
import { SqlDeliveryLedger } from './sql-delivery-ledger';
import { TaskStore } from '../../database/task-store';

@Processor(queueNameOf('email_sending'), WORKER_OPTIONS)
export class EmailProcessor extends TaskProcessor<EmailParams> {
  constructor(
    private readonly transport: MailTransport,
    private readonly store: TaskStore,
    @InjectRepository(EmailDelivery) private readonly deliveries: Repository<EmailDelivery>,
    private readonly config: AppConfig,
  ) {
    super();
  }

  protected async handle(params: EmailParams, context: TaskContext): Promise<JsonObject> {
    const { recipients, duplicatesRemoved } = recipientsOf(params);
    // Checked at submit too; a retry, or a task queued before the settings were tightened, is not.
    const refused = mailPolicyProblems(
      params.from,
      recipients.map((recipient) => recipient.email),
      mailPolicyOf(this.config.mail),
    );
    if (refused.length > 0) throw new TaskFailure(refused.map((problem) => problem.msg).join('; '));
    try {
      const result = await sendAll(
        {
          from: this.transport.senderAddress(params.from),
          subject: params.subject,
          text: params.body,
          html: params.html,
        },
        recipients,
        this.transport.senderFor(context.taskId),
        {
          ledger: new SqlDeliveryLedger(
            this.deliveries,
            context.taskId,
            context.project,
            await this.store.originalsOf(context.taskId),
            this.config.sqlRetry,
          ),
          signal: context.signal,
          onProgress: context.onProgress,
          onLog: context.log,
          delayMs: params.delay_per_email * 1000,
          limiter: this.transport.limiter,
          ...this.transport.retryPolicy,
        },
      );
      context.log(
        result.failed > 0 ? 'warn' : 'info',
        `Sent ${result.sent_successfully} of ${result.total_emails} e-mail(s); ${result.failed} failed`,
      );
      return { ...result, duplicates_removed: duplicatesRemoved };
    } catch (error) {
      if (error instanceof TransientDeliveryError) {
        const partial = error.partialResult && {
          ...error.partialResult,
          duplicates_removed: duplicatesRemoved,
        };
        // A refused certificate stays refused: fail now rather than retry with backoff.
        if (isCertificateFailure(error))
          throw new TaskFailure(error.message, partial, { cause: error });
        throw new TransientTaskError(error.message, partial, { cause: error });
      }
      throw error;
    }
  }
}
