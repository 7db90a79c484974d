import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BadRequestException, ConflictException, HttpException, NotFoundException } from '@nestjs/common';
import { DomainError } from '@ringback/kernel';
import { WrongExpectedRevisionError } from '@ringback/platform-core';
import { z } from 'zod';
import { ApiError, RequestValidationError, domainErrorStatus, errorResponseFor } from './error-body';

describe('errorResponseFor', () => {
  it('maps zod errors to 400 validation_failed with field-level details', () => {
    const schema = z.object({
      from: z.string().min(3),
      preferredWindow: z.object({ start: z.iso.datetime() }),
    });
    const result = schema.safeParse({ from: 1, preferredWindow: { start: 'soon' } });
    assert.equal(result.success, false);
    const { status, body, internal } = errorResponseFor(result.error);
    assert.equal(status, 400);
    assert.equal(internal, false);
    assert.equal(body.error.code, 'validation_failed');
    assert.deepEqual(
      (body.error.details as { field: string }[]).map((d) => d.field),
      ['from', 'preferredWindow.start'],
    );
  });

  it('passes RequestValidationError issues through', () => {
    const issues = [{ field: 'locationId', in: 'body', code: 'invalid_type', message: 'Required' }];
    assert.deepEqual(errorResponseFor(new RequestValidationError(issues)), {
      status: 400,
      body: { error: { code: 'validation_failed', message: 'Request validation failed', details: issues } },
      internal: false,
    });
  });

  it('maps Nest HTTP exceptions by status and keeps contract bodies as they are', () => {
    assert.deepEqual(errorResponseFor(new NotFoundException('Cannot GET /x')).body, {
      error: { code: 'not_found', message: 'Cannot GET /x', details: [] },
    });
    assert.equal(errorResponseFor(new ConflictException()).body.error.code, 'conflict');
    assert.deepEqual(errorResponseFor(new BadRequestException(['a must be a string'])).body.error.details, [
      'a must be a string',
    ]);
    assert.equal(errorResponseFor(new HttpException('teapot', 418)).body.error.code, 'http_418');
    const api = new ApiError(404, 'location_not_found', 'Unknown location aurora', [
      { locationId: 'aurora' },
    ]);
    assert.deepEqual(errorResponseFor(api), {
      status: 404,
      body: {
        error: {
          code: 'location_not_found',
          message: 'Unknown location aurora',
          details: [{ locationId: 'aurora' }],
        },
      },
      internal: false,
    });
  });

  it('recognises HTTP exceptions from another copy of @nestjs/common by shape', () => {
    const foreign = Object.assign(new Error('Forbidden'), {
      getStatus: () => 403,
      getResponse: () => ({ message: 'Forbidden' }),
    });
    assert.equal(errorResponseFor(foreign).status, 403);
    assert.equal(errorResponseFor(foreign).body.error.code, 'forbidden');
  });

  it('maps domain errors to 404, 409 or 422 from their code', () => {
    assert.equal(errorResponseFor(new DomainError('task_already_resolved', 'Task is resolved')).status, 409);
    assert.equal(errorResponseFor(new DomainError('location_not_found', 'Unknown location')).status, 404);
    const broken = errorResponseFor(new DomainError('hours_overlap', 'Intervals overlap', [{ day: 'mon' }]));
    assert.equal(broken.status, 422);
    assert.deepEqual(broken.body, {
      error: { code: 'hours_overlap', message: 'Intervals overlap', details: [{ day: 'mon' }] },
    });
    assert.equal(domainErrorStatus('version_conflict'), 409);
    assert.equal(domainErrorStatus('invalid_transition'), 422);
  });

  it('maps optimistic-concurrency failures to 409 without naming the stream', () => {
    const { status, body } = errorResponseFor(new WrongExpectedRevisionError('task-123', 3, 4));
    assert.equal(status, 409);
    assert.equal(body.error.code, 'concurrency_conflict');
    assert.doesNotMatch(body.error.message, /task-123/);
  });

  it('maps exposed client errors from Express middleware', () => {
    const tooLarge = Object.assign(new Error('request entity too large'), { status: 413, expose: true });
    assert.equal(errorResponseFor(tooLarge).status, 413);
    assert.equal(errorResponseFor(tooLarge).body.error.code, 'payload_too_large');
  });

  it('hides unknown errors behind a 500', () => {
    const { status, body, internal } = errorResponseFor(
      new Error('ECONNREFUSED mongo at 10.0.0.7 for +13035550101'),
    );
    assert.equal(status, 500);
    assert.equal(internal, true);
    assert.deepEqual(body, {
      error: { code: 'internal_error', message: 'Internal server error', details: [] },
    });
    assert.equal(errorResponseFor('a string').status, 500);
    assert.equal(errorResponseFor(undefined).status, 500);
  });
});
