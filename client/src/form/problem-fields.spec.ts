import { problemsByField } from './problem-fields';

describe('problemsByField', () => {
  const known = new Set(['task_type', 'num_rows', 'delimiter', 'recipients']);

  it('puts each problem beside the field its loc names', () => {
    expect(
      problemsByField(
        [
          {
            loc: ['body', 'input_params', 'num_rows'],
            msg: 'num_rows must not be less than 1',
            type: 'x',
          },
          { loc: ['body', 'task_type'], msg: 'task_type must be a string', type: 'x' },
        ],
        known,
      ),
    ).toEqual({
      fieldErrors: {
        num_rows: 'num_rows must not be less than 1',
        task_type: 'task_type must be a string',
      },
      formErrors: [],
    });
  });

  it('joins problems of items of one field', () => {
    const { fieldErrors } = problemsByField(
      [
        { loc: ['body', 'input_params', 'recipients', 0], msg: 'first is bad', type: 'x' },
        { loc: ['body', 'input_params', 'recipients', 3], msg: 'fourth is bad', type: 'x' },
      ],
      known,
    );
    expect(fieldErrors.recipients).toBe('first is bad; fourth is bad');
  });

  it('keeps problems of fields the form does not show for the whole form', () => {
    expect(
      problemsByField(
        [
          {
            loc: ['body', 'input_params', 'colour'],
            msg: "Unknown field 'colour'; remove it",
            type: 'x',
          },
          { loc: ['body'], msg: 'The request body must be a JSON object', type: 'x' },
        ],
        known,
      ).formErrors,
    ).toEqual([
      "input_params.colour: Unknown field 'colour'; remove it",
      'The request body must be a JSON object',
    ]);
  });
});
