import { AppConfig } from './app-config';
import { EnvValidationError, validateEnv } from './env';

const smtpOf = (env: Record<string, string>) => new AppConfig(validateEnv(env)).smtp;

describe('SMTP settings', () => {
  it('default to a verified, unthrottled pool of 5 connections with 4 tries from 1 s', () => {
    expect(smtpOf({})).toEqual({
      maxConnections: 5,
      ratePerSecond: 0,
      tlsRejectUnauthorized: true,
      requireTls: false,
      retryAttempts: 4,
      retryDelayMs: 1000,
    });
  });

  it('are read from the environment', () => {
    expect(
      smtpOf({
        SMTP_MAX_CONNECTIONS: '12',
        SMTP_RATE_PER_SECOND: '2.5',
        SMTP_TLS_REJECT_UNAUTHORIZED: 'false',
        SMTP_REQUIRE_TLS: 'yes',
        SMTP_RETRY_ATTEMPTS: '1',
        SMTP_RETRY_DELAY_MS: '0',
      }),
    ).toEqual({
      maxConnections: 12,
      ratePerSecond: 2.5,
      tlsRejectUnauthorized: false,
      requireTls: true,
      retryAttempts: 1,
      retryDelayMs: 0,
    });
  });

  it.each([
    ['SMTP_MAX_CONNECTIONS', '0', 'SMTP_MAX_CONNECTIONS must be an integer from 1 to 100'],
    ['SMTP_MAX_CONNECTIONS', 'many', 'SMTP_MAX_CONNECTIONS must be an integer from 1 to 100'],
    ['SMTP_RATE_PER_SECOND', '-1', 'SMTP_RATE_PER_SECOND must be a number from 0 (no limit)'],
    ['SMTP_RATE_PER_SECOND', 'fast', 'SMTP_RATE_PER_SECOND must be a number from 0 (no limit)'],
    ['SMTP_TLS_REJECT_UNAUTHORIZED', 'maybe', 'SMTP_TLS_REJECT_UNAUTHORIZED must be true or false'],
    ['SMTP_REQUIRE_TLS', '2', 'SMTP_REQUIRE_TLS must be true or false'],
    ['SMTP_RETRY_ATTEMPTS', '11', 'SMTP_RETRY_ATTEMPTS must be an integer from 1 to 10'],
    ['SMTP_RETRY_DELAY_MS', '1.5', 'SMTP_RETRY_DELAY_MS must be an integer from 0 to 600000'],
  ])('reject %s=%s with a message naming it and what it accepts', (name, value, message) => {
    expect(() => validateEnv({ [name]: value })).toThrow(EnvValidationError);
    expect(() => validateEnv({ [name]: value })).toThrow(message);
  });
});
