import { ValidateBy } from 'class-validator';

/** Rejects the field when `other` is given too: the two are alternatives. */
export const NotWith = (other: string, message: string) =>
  ValidateBy({
    name: 'notWith',
    validator: {
      validate: (_value, args) => (args?.object as Record<string, unknown>)[other] === undefined,
      defaultMessage: () => message,
    },
  });
