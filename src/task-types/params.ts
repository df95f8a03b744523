import { ClassConstructor } from 'class-transformer';
import { JsonObject } from '../core/json';
import { TaskType } from '../core/task-type';
import { ValidationProblem } from '../core/validation-problem';
import type { FileReference } from '../files/files.service';
import { CSV_DEFAULTS, csvFileReferences, CsvParamsDto, resolveCsvParams } from './csv/csv.params';
import {
  EMAIL_DEFAULTS,
  emailProblems,
  EmailParamsDto,
  resolveEmailParams,
} from './email/email.params';
import { MailPolicy } from './email/mail-policy';
import {
  IMAGE_DEFAULTS,
  IMAGE_FITS,
  IMAGE_FORMATS,
  imageCostProblems,
  imageFileReferences,
  ImageParamsDto,
  resolveImageParams,
} from './image/image.params';

/** The service's settings that decide whether a submit is allowed (from AppConfig). */
export interface SubmitPolicy {
  mail: MailPolicy;
}

/** No sender besides MAIL_FROM's default, any recipient: the policy of the default settings. */
export const DEFAULT_SUBMIT_POLICY: SubmitPolicy = {
  mail: { allowedFrom: ['conveyor@localhost'], recipientDomains: null },
};

export interface ParamsSpec<P extends object> {
  dto: ClassConstructor<P>;
  /** Applies every default (some depend on other fields) after validation. */
  resolve: (params: P) => object;
  /** The defaults of the fields a submit may leave out, as the dashboard shows them. */
  defaults: JsonObject;
  /** The allowed values of the fields that take one of a list. */
  choices: Record<string, readonly string[]>;
  /**
   * Problems the decorators cannot locate precisely (each bad item of a list, say), with `loc`
   * relative to input_params; runs beside the decorators so that one answer lists them all.
   */
  check?: (params: P, policy: SubmitPolicy) => ValidationProblem[];
  /** The uploads the params name, checked against the files table after validation. */
  files?: (params: P) => FileReference[];
}

/**
 * Each task type's parameters, for the API side; it never imports a processor (that would start
 * a worker in the API process). A type without an entry does not compile.
 */
export const PARAMS_BY_TYPE: { [T in TaskType]: ParamsSpec<object> } = {
  csv_processing: {
    dto: CsvParamsDto,
    resolve: resolveCsvParams,
    defaults: CSV_DEFAULTS,
    choices: {},
    files: csvFileReferences,
  },
  email_sending: {
    dto: EmailParamsDto,
    resolve: resolveEmailParams,
    defaults: EMAIL_DEFAULTS,
    choices: {},
    check: (params, policy) => emailProblems(params, policy.mail),
  },
  image_processing: {
    dto: ImageParamsDto,
    resolve: resolveImageParams,
    defaults: IMAGE_DEFAULTS,
    choices: { fit: IMAGE_FITS, format: IMAGE_FORMATS },
    check: imageCostProblems,
    files: imageFileReferences,
  },
};
