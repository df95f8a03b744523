import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { TaskType } from '../core/task-type';
import { JsonObject } from '../core/json';
import { PARAMS_BY_TYPE } from '../task-types/params';
import { RequestValidationError } from '../http/domain-error';
import { toValidationProblems } from '../http/validation-problems';

const PREFIX = ['body', 'input_params'];

/**
 * Validates a task's input_params against its type's DTO and applies the defaults; throws
 * RequestValidationError listing every problem, each located under body.input_params.
 */
export async function validateTaskParams(
  taskType: TaskType,
  raw: Record<string, unknown>,
): Promise<JsonObject> {
  const spec = PARAMS_BY_TYPE[taskType];
  const instance = plainToInstance(spec.dto, raw, { exposeDefaultValues: true });
  const errors = await validate(instance, { whitelist: true, forbidNonWhitelisted: true });
  const problems = [
    ...toValidationProblems(errors, PREFIX),
    ...(spec.check?.(instance) ?? []).map((problem) => ({
      ...problem,
      loc: [...PREFIX, ...problem.loc],
    })),
  ];
  if (problems.length > 0) throw new RequestValidationError(problems);
  const resolved = spec.resolve(instance);
  // Left-out optional fields are dropped, so input_params shows only what applies.
  return Object.fromEntries(Object.entries(resolved).filter(([, value]) => value !== undefined));
}
