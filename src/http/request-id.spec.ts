import { requestIdFor } from './request-id';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('requestIdFor', () => {
  it.each(['abc-123', 'A'.repeat(64), '7c9e6679-7425-40de-944b-e07fc1f90ae7'])('keeps %s', (id) => {
    expect(requestIdFor(id)).toBe(id);
  });

  it.each([
    ['too long', 'a'.repeat(65)],
    ['8 KB', 'a'.repeat(8192)],
    ['spaces', 'a b'],
    ['a line break', 'a\r\nSet-Cookie: x=1'],
    ['markup', '<script>'],
    ['empty', ''],
  ])('replaces an id with %s by a new UUID', (_label, id) => {
    expect(requestIdFor(id)).toMatch(UUID);
  });

  it('makes a new UUID when there is none, or several', () => {
    expect(requestIdFor(undefined)).toMatch(UUID);
    expect(requestIdFor(['a', 'b'])).toMatch(UUID);
  });
});
