import { HIDDEN_ADDRESS, HIDDEN_PATH, withoutInternals } from './public-text';

describe('withoutInternals', () => {
  it('hides addresses with and without ports', () => {
    expect(withoutInternals('connect ECONNREFUSED 127.0.0.1:2525')).toBe(
      `connect ECONNREFUSED ${HIDDEN_ADDRESS}`,
    );
    expect(withoutInternals('connect ECONNREFUSED [::1]:25')).toBe(
      `connect ECONNREFUSED ${HIDDEN_ADDRESS}`,
    );
    expect(
      withoutInternals('getaddrinfo ENOTFOUND at smtp.internal.lan:587 and localhost:6379'),
    ).toBe(`getaddrinfo ENOTFOUND at ${HIDDEN_ADDRESS} and ${HIDDEN_ADDRESS}`);
    expect(withoutInternals('host 10.0.0.7 is down')).toBe(`host ${HIDDEN_ADDRESS} is down`);
  });

  it('hides absolute paths, quoted or not', () => {
    expect(
      withoutInternals("EACCES: permission denied, open '/srv/conveyor/data/outbox/abc/1.eml'"),
    ).toBe(`EACCES: permission denied, open '${HIDDEN_PATH}'`);
    expect(withoutInternals('Input file is missing: /tmp/uploads/x')).toBe(
      `Input file is missing: ${HIDDEN_PATH}`,
    );
  });

  it('leaves ordinary messages alone', () => {
    for (const text of [
      '550 5.1.1 <ada@example.com>: Recipient address rejected',
      'stored as outbox/abc/1.eml',
      'Line 12: Invalid Record Length: expect 3, got 2',
      'The image is larger than the 268,402,689-pixel limit',
      'a ratio of 3/4 at 12:30',
    ]) {
      expect(withoutInternals(text)).toBe(text);
    }
  });
});
