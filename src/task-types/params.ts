import { ClassConstructor } from 'class-transformer';
import { TaskType } from '../core/task-type';
import { ValidationProblem } from '../core/validation-problem';
import type { FileReference } from '../files/files.service';
import { completeCsvParams, csvFileReferences, CsvParamsDto } from './csv/csv.params';
import { completeEmailParams, EmailParamsDto, recipientProblems } from './email/email.params';
import { completeImageParams, imageFileReferences, ImageParamsDto } from './image/image.params';

interface ParamsSpec<P extends object> {
  dto: ClassConstructor<P>;
  /** Fills defaults that depend on other fields, after validation. */
  complete: (params: P) => P;
  /**
   * Problems the decorators cannot locate precisely (each bad item of a list, say), with `loc`
   * relative to input_params; runs beside the decorators so that one answer lists them all.
   */
  check?: (params: P) => ValidationProblem[];
  /** The uploads the params name, checked against the files table after validation. */
  files?: (params: P) => FileReference[];
}

/** Each task type's parameter DTO; a type without an entry does not compile. */
export const PARAMS_BY_TYPE: { [T in TaskType]: ParamsSpec<object> } = {
  csv_processing: { dto: CsvParamsDto, complete: completeCsvParams, files: csvFileReferences },
  email_sending: { dto: EmailParamsDto, complete: completeEmailParams, check: recipientProblems },
  image_processing: {
    dto: ImageParamsDto,
    complete: completeImageParams,
    files: imageFileReferences,
  },
} as const;

export { CsvParamsDto, EmailParamsDto, ImageParamsDto };
