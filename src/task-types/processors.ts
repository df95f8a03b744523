import { Provider, Type } from '@nestjs/common';
import { TaskType } from '../core/task-type';
import { CsvProcessor } from './csv/csv.processor';
import { EmailProcessor } from './email/email.processor';
import { MailTransport } from './email/mail-transport.service';
import { ImageProcessor } from './image/image.processor';
import { TaskProcessor } from '../queue/task.processor';

/**
 * Each task type's processor, for the worker side only: importing a @Processor class starts a
 * BullMQ worker in that process. A type without one does not compile.
 */
export const PROCESSORS: { [T in TaskType]: Type<TaskProcessor<unknown>> } = {
  csv_processing: CsvProcessor,
  email_sending: EmailProcessor,
  image_processing: ImageProcessor,
};

/** What the worker role provides for the task types: their processors and the services they use. */
export const WORKER_PROVIDERS: Provider[] = [...Object.values(PROCESSORS), MailTransport];
