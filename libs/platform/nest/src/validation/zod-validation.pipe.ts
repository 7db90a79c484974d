import type { ArgumentMetadata, PipeTransform } from '@nestjs/common';
import { z } from 'zod';
import { RequestValidationError, fieldIssues } from '../errors/error-body';

/**
 * Validates (and transforms) a handler argument with a zod schema:
 * `@Body(new ZodValidationPipe(missedCallSchema)) body: MissedCall`. Failures become a 400
 * `validation_failed` with one detail per field, tagged with where the input came from.
 */
export class ZodValidationPipe<S extends z.ZodType> implements PipeTransform<unknown, z.output<S>> {
  constructor(private readonly schema: S) {}

  transform(value: unknown, metadata: ArgumentMetadata): z.output<S> {
    const result = this.schema.safeParse(value);
    if (result.success) return result.data;
    const location = metadata.type === 'custom' ? undefined : metadata.type;
    throw new RequestValidationError(fieldIssues(result.error, location));
  }
}
