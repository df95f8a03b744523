import { DomainError } from '../http/domain-error';

export class ScheduleNotFoundError extends DomainError {
  readonly status = 404;
  constructor() {
    super('Schedule not found');
  }
}
