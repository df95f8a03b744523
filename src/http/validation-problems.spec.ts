import 'reflect-metadata';
import { plainToInstance, Type } from 'class-transformer';
import {
  IsInt,
  IsString,
  Min,
  ValidateNested,
  validateSync,
  ValidationError,
} from 'class-validator';
import { CsvParamsDto } from '../task-types/csv/csv.params';
import { EmailParamsDto } from '../task-types/email/email.params';
import { ImageParamsDto } from '../task-types/image/image.params';
import { toValidationProblems } from './validation-problems';

const error = (
  property: string,
  constraints?: Record<string, string>,
  children: ValidationError[] = [],
): ValidationError => Object.assign(new ValidationError(), { property, constraints, children });

/** Validates like TasksService does: unknown fields refused, one constraint per field. */
const problemsOf = <T extends object>(dto: new () => T, params: Record<string, unknown>) =>
  toValidationProblems(
    validateSync(plainToInstance(dto, params, { exposeDefaultValues: true }), {
      whitelist: true,
      forbidNonWhitelisted: true,
      stopAtFirstError: true,
    }),
    ['body', 'input_params'],
  );

class Line {
  @IsString()
  sku!: string;

  @IsInt()
  @Min(1)
  quantity!: number;
}

class Order {
  @ValidateNested({ each: true })
  @Type(() => Line)
  lines!: Line[];
}

describe('toValidationProblems', () => {
  it('gives no problem for no error', () => {
    expect(toValidationProblems([], ['body'])).toEqual([]);
  });

  it('locates a field under the prefix and maps its constraint to a type', () => {
    expect(
      toValidationProblems(
        [error('num_rows', { min: 'num_rows must not be less than 1' })],
        ['body', 'input_params'],
      ),
    ).toEqual([
      {
        loc: ['body', 'input_params', 'num_rows'],
        msg: 'num_rows must not be less than 1',
        type: 'greater_than_equal',
      },
    ]);
  });

  it('reports an unknown field as extra_forbidden, telling to remove it', () => {
    expect(
      toValidationProblems(
        [error('colour', { whitelistValidation: 'should not exist' })],
        ['query'],
      ),
    ).toEqual([
      {
        loc: ['query', 'colour'],
        msg: "Unknown field 'colour'; remove it",
        type: 'extra_forbidden',
      },
    ]);
  });

  it.each([
    ['isDefined', 'missing'],
    ['isInt', 'int_type'],
    ['isNumber', 'number_type'],
    ['isString', 'string_type'],
    ['isBoolean', 'bool_type'],
    ['isIn', 'enum'],
    ['isEmail', 'value_error.email'],
    ['min', 'greater_than_equal'],
    ['max', 'less_than_equal'],
    ['arrayMaxSize', 'too_long'],
    ['maxLength', 'string_too_long'],
    ['matches', 'string_pattern_mismatch'],
    ['someCustomRule', 'someCustomRule'],
  ])('maps the %s constraint to %s', (constraint, type) => {
    const [problem] = toValidationProblems([error('field', { [constraint]: 'bad' })], []);
    expect(problem.type).toBe(type);
  });

  it('reports only the first constraint a field broke', () => {
    const problems = toValidationProblems(
      [error('limit', { isInt: 'limit must be an integer', max: 'limit must be at most 100' })],
      ['query'],
    );
    expect(problems).toEqual([
      { loc: ['query', 'limit'], msg: 'limit must be an integer', type: 'int_type' },
    ]);
  });

  it('follows nested errors, turning array indexes into numbers', () => {
    const tree = [
      error('lines', undefined, [
        error('0', undefined, [error('quantity', { min: 'quantity must not be less than 1' })]),
        error('12', undefined, [error('sku', { isString: 'sku must be a string' })]),
      ]),
    ];
    expect(toValidationProblems(tree, ['body'])).toEqual([
      {
        loc: ['body', 'lines', 0, 'quantity'],
        msg: 'quantity must not be less than 1',
        type: 'greater_than_equal',
      },
      { loc: ['body', 'lines', 12, 'sku'], msg: 'sku must be a string', type: 'string_type' },
    ]);
  });

  it('locates the errors class-validator finds in nested arrays', () => {
    const order = plainToInstance(Order, {
      lines: [
        { sku: 'a', quantity: 1 },
        { sku: 7, quantity: 0 },
      ],
    });
    const problems = toValidationProblems(validateSync(order, { stopAtFirstError: true }), [
      'body',
    ]);
    expect(problems.map((p) => [p.loc, p.type])).toEqual([
      [['body', 'lines', 1, 'sku'], 'string_type'],
      [['body', 'lines', 1, 'quantity'], 'greater_than_equal'],
    ]);
  });

  describe('on the task parameter DTOs', () => {
    it('reports an unknown parameter', () => {
      expect(problemsOf(CsvParamsDto, { num_rows: 10, rows: 10 })).toEqual([
        {
          loc: ['body', 'input_params', 'rows'],
          msg: "Unknown field 'rows'; remove it",
          type: 'extra_forbidden',
        },
      ]);
    });

    it('reports values below the minimum and above the maximum', () => {
      expect(problemsOf(CsvParamsDto, { num_rows: 0 })).toEqual([
        {
          loc: ['body', 'input_params', 'num_rows'],
          msg: 'num_rows must not be less than 1',
          type: 'greater_than_equal',
        },
      ]);
      expect(problemsOf(ImageParamsDto, { target_width: 9000, target_height: 0 })).toEqual([
        {
          loc: ['body', 'input_params', 'target_width'],
          msg: 'target_width must not be greater than 8192',
          type: 'less_than_equal',
        },
        {
          loc: ['body', 'input_params', 'target_height'],
          msg: 'target_height must not be less than 1',
          type: 'greater_than_equal',
        },
      ]);
      expect(problemsOf(EmailParamsDto, { delay_per_email: 61 })[0].type).toBe('less_than_equal');
    });

    it('reports one problem per bad field, each with its own type', () => {
      const problems = problemsOf(ImageParamsDto, { fit: 'stretch', quality: 1.5 });
      expect(problems).toEqual([
        {
          loc: ['body', 'input_params', 'fit'],
          msg: 'fit must be one of: cover, contain, fill, inside, outside',
          type: 'enum',
        },
        {
          loc: ['body', 'input_params', 'quality'],
          msg: 'quality must be an integer number',
          type: 'int_type',
        },
      ]);
    });

    it('reports a subject with a line break and a bad sender', () => {
      expect(problemsOf(EmailParamsDto, { subject: 'a\r\nBcc: x@y', from: 'nobody' })).toEqual([
        {
          loc: ['body', 'input_params', 'subject'],
          msg: 'subject must not contain line breaks',
          type: 'string_pattern_mismatch',
        },
        {
          loc: ['body', 'input_params', 'from'],
          msg: 'from must be an e-mail address',
          type: 'value_error.email',
        },
      ]);
    });

    it('reports a wrong type for a boolean', () => {
      expect(problemsOf(CsvParamsDto, { has_header: 'yes' })).toEqual([
        {
          loc: ['body', 'input_params', 'has_header'],
          msg: 'has_header must be a boolean value',
          type: 'bool_type',
        },
      ]);
    });

    it('finds nothing wrong with valid parameters', () => {
      expect(problemsOf(CsvParamsDto, { num_rows: 5, delimiter: ';' })).toEqual([]);
      expect(problemsOf(ImageParamsDto, { num_images: 2, format: 'webp' })).toEqual([]);
    });
  });
});
