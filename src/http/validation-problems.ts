import { ValidationError } from 'class-validator';
import { ValidationProblem } from '../core/validation-problem';

// class-validator constraint names → the pydantic-style error types the original's clients saw.
const TYPE_BY_CONSTRAINT: Record<string, string> = {
  whitelistValidation: 'extra_forbidden',
  isDefined: 'missing',
  isInt: 'int_type',
  isNumber: 'number_type',
  isString: 'string_type',
  isBoolean: 'bool_type',
  isObject: 'dict_type',
  isArray: 'list_type',
  isIn: 'enum',
  isEnum: 'enum',
  isEmail: 'value_error.email',
  min: 'greater_than_equal',
  max: 'less_than_equal',
  arrayMinSize: 'too_short',
  arrayMaxSize: 'too_long',
  isLength: 'string_length',
  minLength: 'string_too_short',
  maxLength: 'string_too_long',
  matches: 'string_pattern_mismatch',
  isResourceId: 'uuid_parsing',
};

/** Flattens class-validator's tree into one problem per failed field, `loc` naming where. */
export function toValidationProblems(
  errors: ValidationError[],
  prefix: (string | number)[],
): ValidationProblem[] {
  return errors.flatMap((error) => {
    const loc = [...prefix, /^\d+$/.test(error.property) ? Number(error.property) : error.property];
    const own = mostBasicFirst(error.constraints ?? {}).map(([constraint, message]) => ({
      loc,
      msg:
        constraint === 'whitelistValidation'
          ? `Unknown field '${error.property}'; remove it`
          : message,
      type: TYPE_BY_CONSTRAINT[constraint] ?? constraint,
    }));
    // Report only the first constraint a field broke: the rest follow from it.
    return [...own.slice(0, 1), ...toValidationProblems(error.children ?? [], loc)];
  });
}

/** A missing value explains every other failure of its field; a wrong type, all but that. */
const rankOf = (constraint: string): number => {
  if (constraint === 'isDefined') return 0;
  return (TYPE_BY_CONSTRAINT[constraint] ?? '').endsWith('_type') ? 1 : 2;
};

/**
 * The constraints a field broke, the one that explains the others first: a missing value, a
 * wrong type, else the check declared first. class-validator records constraints in the order
 * its decorators apply, which is bottom-up (isDefined aside), so declaration order is reversed.
 */
function mostBasicFirst(constraints: Record<string, string>): [string, string][] {
  return Object.entries(constraints)
    .reverse()
    .sort(([a], [b]) => rankOf(a) - rankOf(b));
}
