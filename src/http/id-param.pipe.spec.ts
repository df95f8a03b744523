import { TaskNotFoundError } from '../tasks/task-errors';
import { IdParamPipe } from './id-param.pipe';

describe('IdParamPipe', () => {
  const pipe = new IdParamPipe(() => new TaskNotFoundError());

  it('hands the stored form to the handler', () => {
    expect(pipe.transform('3F2B8C1E-9D4A-4E6F-8A7B-1C2D3E4F5A6B')).toBe(
      '3f2b8c1e-9d4a-4e6f-8a7b-1c2d3e4f5a6b',
    );
  });

  it("answers the route's own not-found error for anything else", () => {
    expect(() => pipe.transform('../../etc/passwd')).toThrow(TaskNotFoundError);
  });
});
