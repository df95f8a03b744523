import { ArgumentMetadata, Injectable, ValidationError, ValidationPipe } from '@nestjs/common';
import { requestShapeProblems } from './request-shape';
import { RequestValidationError } from './domain-error';
import { toValidationProblems } from './validation-problems';

class ValidationErrors extends Error {
  constructor(readonly errors: ValidationError[]) {
    super('validation failed');
  }
}

/**
 * Nest's ValidationPipe, strict (unknown fields rejected, no type coercion in bodies), whose
 * failures become 422 problems located in the body or the query like FastAPI's. Prototype keys
 * and over-deep nesting are refused with a 422 before anything else reads the value.
 */
@Injectable()
export class DetailValidationPipe extends ValidationPipe {
  constructor() {
    super({
      transform: true,
      whitelist: true,
      forbidNonWhitelisted: true,
      transformOptions: { exposeDefaultValues: true },
      exceptionFactory: (errors) => new ValidationErrors(errors),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const where = metadata.type === 'query' ? 'query' : 'body';
    if (
      where === 'body' &&
      metadata.type === 'body' &&
      (typeof value !== 'object' || value === null || Array.isArray(value))
    ) {
      throw new RequestValidationError([
        { loc: ['body'], msg: 'The request body must be a JSON object', type: 'dict_type' },
      ]);
    }
    if (metadata.type === 'body' || metadata.type === 'query') {
      const problems = requestShapeProblems(value, [where]);
      if (problems.length > 0) throw new RequestValidationError(problems);
    }
    try {
      return await super.transform(value, metadata);
    } catch (error) {
      if (error instanceof ValidationErrors) {
        throw new RequestValidationError(toValidationProblems(error.errors, [where]));
      }
      throw error;
    }
  }

  /**
   * Nest strips prototype keys silently, recursing once per level (a stack overflow on deep
   * input); requestShapeProblems has refused both already, so there is nothing left to strip.
   */
  protected override stripProtoKeys(): void {}
}
