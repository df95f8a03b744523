import { DomainError, RequestValidationError } from '../http/domain-error';

export class KeyNotFoundError extends DomainError {
  readonly status = 404;
  constructor() {
    super('API key not found');
  }
}

export class OtherProjectError extends DomainError {
  readonly status = 403;
  constructor(project: string) {
    super(`An admin key of the project "${project}" manages only that project's keys`);
  }
}

export const allProjectsNeedsAdmin = (): RequestValidationError =>
  new RequestValidationError([
    {
      loc: ['body', 'project'],
      msg: 'Only an admin key may be for all projects ("*"); give a viewer or operator key one project',
      type: 'value_error',
    },
  ]);
