import { Transform } from 'class-transformer';
import { ValidateBy, ValidationOptions } from 'class-validator';
import { normaliseId } from '../core/resource-id';

/**
 * For an id (or, with `each`, a list of ids) inside a request body: validated by normaliseId and
 * kept in its stored form, so that every later look-up by it finds the row and the file.
 */
export function IsResourceId(options: ValidationOptions = {}): PropertyDecorator {
  const validate = ValidateBy(
    { name: 'isResourceId', validator: { validate: (value) => normaliseId(value) !== null } },
    options,
  );
  const lowerCase = Transform(({ value }: { value: unknown }): unknown =>
    Array.isArray(value)
      ? (value as unknown[]).map((item) => normaliseId(item) ?? item)
      : (normaliseId(value) ?? value),
  );
  return (target: object, property: string | symbol) => {
    validate(target, property);
    lowerCase(target, property);
  };
}
