import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { TaskType } from '../core/task-type';
import { JsonObject } from '../core/json';
import { DEFAULT_SUBMIT_POLICY, PARAMS_BY_TYPE, SubmitPolicy } from '../task-types/params';
import { ValidationProblem } from '../core/validation-problem';
import { RequestValidationError } from '../http/domain-error';
import { toValidationProblems } from '../http/validation-problems';

const PREFIX = ['body', 'input_params'];

/**
 * Null is no value of any parameter, and reading it as "left out" could change the task's
 * meaning (recipients left out means num_emails test messages): each known parameter sent as
 * null gets this one problem instead of whatever its checks made of it. Unknown ones stay unknown.
 */
function withNullsNamed(
  raw: Record<string, unknown>,
  problems: ValidationProblem[],
): ValidationProblem[] {
  const fieldOf = (problem: ValidationProblem) => problem.loc[PREFIX.length];
  const unknown = new Set(
    problems.filter((problem) => problem.type === 'extra_forbidden').map(fieldOf),
  );
  const nulls = Object.keys(raw).filter((key) => raw[key] === null && !unknown.has(key));
  return [
    ...problems.filter((problem) => !nulls.includes(String(fieldOf(problem)))),
    ...nulls.map((key) => ({
      loc: [...PREFIX, key],
      msg: `${key} must not be null: give it a value, or leave it out to use its default`,
      type: 'null_forbidden',
    })),
  ];
}

/**
 * Validates a task's input_params against its type's DTO and the service's `policy` (who may
 * send mail to whom) and applies the defaults; throws RequestValidationError listing every
 * problem, each located under body.input_params.
 */
export async function validateTaskParams(
  taskType: TaskType,
  raw: Record<string, unknown>,
  policy: SubmitPolicy = DEFAULT_SUBMIT_POLICY,
): Promise<JsonObject> {
  const spec = PARAMS_BY_TYPE[taskType];
  const instance = plainToInstance(spec.dto, raw, { exposeDefaultValues: true });
  const errors = await validate(instance, { whitelist: true, forbidNonWhitelisted: true });
  const problems = withNullsNamed(raw, [
    ...toValidationProblems(errors, PREFIX),
    ...(spec.check?.(instance, policy) ?? []).map((problem) => ({
      ...problem,
      loc: [...PREFIX, ...problem.loc],
    })),
  ]);
  if (problems.length > 0) throw new RequestValidationError(problems);
  const resolved = spec.resolve(instance);
  // Left-out optional fields are dropped, so input_params shows only what applies.
  return Object.fromEntries(Object.entries(resolved).filter(([, value]) => value !== undefined));
}
