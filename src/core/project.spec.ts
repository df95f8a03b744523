import { EVERY_PROJECT, projectToMatch } from './project';

describe('projectToMatch', () => {
  it.each([
    [{ project: 'a' }, undefined, 'a'],
    [{ project: 'a' }, 'a', 'a'],
    [{ project: 'a' }, 'b', null],
    [EVERY_PROJECT, undefined, undefined],
    [EVERY_PROJECT, 'b', 'b'],
  ])('scope %j with filter %j matches %j', (scope, filter, expected) => {
    expect(projectToMatch(scope, filter)).toBe(expected);
  });
});
