import { classifyFailure } from './smtp-failure';

/** 4xx answers and dropped connections are worth another try; 5xx answers are final. */
const isTemporaryFailure = (error: Error): boolean => classifyFailure(error) !== 'permanent';

class SmtpError extends Error {
  constructor(
    readonly responseCode: number,
    readonly response: string,
  ) {
    super(`Message failed: ${response}`);
  }
}

describe('isTemporaryFailure', () => {
  const withCode = (code: string): Error => Object.assign(new Error(code), { code });

  it.each([421, 450, 451, 452, 499])('retries an SMTP %i answer', (code) => {
    expect(isTemporaryFailure(new SmtpError(code, `${code} try later`))).toBe(true);
  });

  it.each([500, 550, 553, 554, 399, 250])('does not retry an SMTP %i answer', (code) => {
    expect(isTemporaryFailure(new SmtpError(code, `${code} no`))).toBe(false);
  });

  it.each(['ECONNECTION', 'ETIMEDOUT', 'ECONNRESET', 'ESOCKET', 'EDNS'])(
    'retries a dropped connection (%s)',
    (code) => {
      expect(isTemporaryFailure(withCode(code))).toBe(true);
    },
  );

  it('does not retry other errors', () => {
    expect(isTemporaryFailure(withCode('EAUTH'))).toBe(false);
    expect(isTemporaryFailure(withCode('EENVELOPE'))).toBe(false);
    expect(isTemporaryFailure(new Error('boom'))).toBe(false);
  });

  it('trusts the SMTP answer over the error code', () => {
    const error = Object.assign(new SmtpError(550, '550 no such user'), { code: 'ECONNECTION' });
    expect(isTemporaryFailure(error)).toBe(false);
  });
});
