import { keyFromHeaders, sessionFromHeaders } from './credentials';

describe('keyFromHeaders', () => {
  it.each([
    [{ authorization: 'Bearer cvk_abc' }, 'cvk_abc'],
    [{ authorization: 'bearer   cvk_abc  ' }, 'cvk_abc'],
    [{ 'x-api-key': ' cvk_abc ' }, 'cvk_abc'],
    [{ authorization: 'Bearer cvk_a', 'x-api-key': 'cvk_b' }, 'cvk_a'],
    // A malformed Authorization is a wrong key (401 unknown), not a missing one.
    [{ authorization: 'Basic dXNlcjpwdw==' }, 'Basic dXNlcjpwdw=='],
    [{ 'x-api-key': '' }, undefined],
    [{}, undefined],
  ])('reads %j as %j', (headers, key) => {
    expect(keyFromHeaders(headers)).toBe(key);
  });
});

describe('sessionFromHeaders', () => {
  it.each([
    ['conveyor_session=tok123', 'tok123'],
    ['theme=dark; conveyor_session=tok123; other=1', 'tok123'],
    ['xconveyor_session=tok123', undefined],
    ['conveyor_session=', undefined],
    ['', undefined],
  ])('reads the cookie header %j as %j', (cookie, token) => {
    expect(sessionFromHeaders({ cookie })).toBe(token);
  });
});
