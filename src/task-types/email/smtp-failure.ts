export interface SmtpError extends Error {
  responseCode?: number;
  response?: string;
  code?: string;
}

const CONNECTION_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ECONNRESET', 'ESOCKET', 'EDNS']);

/**
 * - `permanent`: a 5xx answer or a message the server can never take; recorded, not retried.
 * - `deferred`: a 4xx answer about this message (greylisting, full mailbox); retried, and
 *   recorded as failed if it lasts, since the server is there and takes other messages.
 * - `connection`: no answer, or 421 (the server is closing); retried, and if it lasts the
 *   batch stops, since every other recipient would fail the same way.
 */
export type FailureKind = 'permanent' | 'deferred' | 'connection';

export function classifyFailure(error: SmtpError): FailureKind {
  if (typeof error.responseCode === 'number') {
    if (error.responseCode === 421) return 'connection';
    return error.responseCode >= 400 && error.responseCode < 500 ? 'deferred' : 'permanent';
  }
  return error.code !== undefined && CONNECTION_CODES.has(error.code) ? 'connection' : 'permanent';
}

/**
 * A TLS certificate the transport refused: retrying cannot help until the configuration
 * changes (SMTP_TLS_REJECT_UNAUTHORIZED, a trusted certificate).
 */
export function isCertificateFailure(error: unknown): boolean {
  for (let current = error; current instanceof Error; current = current.cause) {
    if (
      /certificate|CERT_|self[- ]signed/i.test(
        `${(current as SmtpError).code ?? ''} ${current.message}`,
      )
    )
      return true;
  }
  return false;
}
