import { Injectable, PipeTransform } from '@nestjs/common';
import { normaliseId } from '../core/resource-id';
import { DomainError } from './domain-error';

/**
 * A task or file id taken from the path, by normaliseId's rule: the stored form goes to the
 * handler, and anything that cannot be an id answers the route's own 404, as an unknown id does.
 */
@Injectable()
export class IdParamPipe implements PipeTransform<string, string> {
  constructor(private readonly notFound: () => DomainError) {}

  transform(value: string): string {
    const id = normaliseId(value);
    if (id === null) throw this.notFound();
    return id;
  }
}
