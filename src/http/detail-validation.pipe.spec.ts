import 'reflect-metadata';
import { ArgumentMetadata } from '@nestjs/common';
import { DetailValidationPipe } from './detail-validation.pipe';
import { ValidationProblem } from '../core/validation-problem';
import { ListTasksQuery } from '../tasks/dto/list-tasks.query';
import { SubmitTaskDto } from '../tasks/dto/submit-task.dto';
import { RequestValidationError } from './domain-error';

const pipe = new DetailValidationPipe();
const body: ArgumentMetadata = { type: 'body', metatype: SubmitTaskDto };
const query: ArgumentMetadata = { type: 'query', metatype: ListTasksQuery };

async function problemsOf(
  value: unknown,
  metadata: ArgumentMetadata,
): Promise<ValidationProblem[]> {
  const error = await pipe.transform(value, metadata).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof RequestValidationError)) {
    throw new Error('expected a RequestValidationError', { cause: error });
  }
  return error.problems;
}

describe('DetailValidationPipe', () => {
  it('answers a body nested 5,000 deep with a problem, not a stack overflow', async () => {
    const deep = JSON.parse(
      `{"task_type":"csv_processing","input_params":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`,
    ) as unknown;
    expect(await problemsOf(deep, body)).toEqual([
      expect.objectContaining({ loc: ['body', 'input_params'], type: 'too_deep' }),
    ]);
  });

  it('refuses a prototype key instead of stripping it and going on', async () => {
    const withProto = JSON.parse(
      '{"task_type":"csv_processing","input_params":{"num_rows":5,"__proto__":{"polluted":true}}}',
    ) as unknown;
    expect(await problemsOf(withProto, body)).toEqual([
      expect.objectContaining({
        loc: ['body', 'input_params', '__proto__'],
        type: 'forbidden_key',
      }),
    ]);
  });

  it('takes input_params: null (read as {} by the controller)', async () => {
    await expect(
      pipe.transform({ task_type: 'csv_processing', input_params: null }, body),
    ).resolves.toMatchObject({ task_type: 'csv_processing', input_params: null });
  });

  it('pages 100 tasks by default, up to 1000, from offset 0 to 10,000,000', async () => {
    await expect(pipe.transform({}, query)).resolves.toMatchObject({
      limit: 100,
      offset: undefined,
    }); // left out: 0, unless a cursor is given
    await expect(
      pipe.transform({ limit: '1000', offset: '10000000' }, query),
    ).resolves.toMatchObject({ limit: 1000, offset: 10_000_000 });
  });

  it.each([
    ['offset', '1e20'],
    ['offset', '99999999999999999999'],
    ['offset', '10000001'],
    ['offset', '-1'],
    ['offset', '2.5'],
    ['offset', ''],
    ['limit', '0'],
    ['limit', '1001'],
    ['limit', '0x10'],
    ['limit', 'abc'],
  ])('answers %s=%s with a 422 naming the rule', async (name, value) => {
    const [problem] = await problemsOf({ [name]: value }, query);
    expect(problem.loc).toEqual(['query', name]);
    expect(problem.msg).toMatch(name === 'limit' ? 'from 1 to 1000' : 'from 0 to 10000000');
  });
});
