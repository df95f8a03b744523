import { DomainError, RequestValidationError } from '../http/domain-error';

export class WebhookNotFoundError extends DomainError {
  readonly status = 404;
  constructor() {
    super('Webhook not found');
  }
}

export const badWebhookField = (field: string, msg: string): RequestValidationError =>
  new RequestValidationError([
    { loc: ['body', field], msg: `${field} ${msg}`, type: 'value_error' },
  ]);
