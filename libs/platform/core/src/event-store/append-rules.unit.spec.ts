import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { EventEnvelope } from '@ringback/contracts';
import { PartialDuplicateAppendError, WrongExpectedRevisionError } from '../ports/event-store.port';
import {
  assertAppendBatch,
  checkExpectedRevision,
  classifyIdempotentAppend,
  streamHeadResult,
} from './append-rules';

const envelope = (streamId: string, eventId: string): EventEnvelope =>
  ({ eventId, streamId, type: 'ThingHappened', schemaVersion: 1, data: {} }) as unknown as EventEnvelope;

describe('append rules', () => {
  it('rejects a batch with a foreign event or a repeated id', () => {
    assertAppendBatch('thing-1', [envelope('thing-1', 'a'), envelope('thing-1', 'b')]);
    assert.throws(() => assertAppendBatch('thing-1', [envelope('thing-2', 'a')]), /belongs to thing-2/);
    assert.throws(
      () => assertAppendBatch('thing-1', [envelope('thing-1', 'a'), envelope('thing-1', 'a')]),
      /appears twice/,
    );
  });

  it('checks the expected revision against the stream state', () => {
    checkExpectedRevision('thing-1', 'any', 'no_stream');
    checkExpectedRevision('thing-1', 'no_stream', 'no_stream');
    checkExpectedRevision('thing-1', 'stream_exists', 0);
    checkExpectedRevision('thing-1', 3, 3);
    assert.throws(() => checkExpectedRevision('thing-1', 'no_stream', 0), WrongExpectedRevisionError);
    assert.throws(
      () => checkExpectedRevision('thing-1', 'stream_exists', 'no_stream'),
      WrongExpectedRevisionError,
    );
    assert.throws(() => checkExpectedRevision('thing-1', 2, 3), WrongExpectedRevisionError);
  });

  it('tells new appends, retries and partial duplicates apart', () => {
    const at = (streamRevision: number, streamId = 'thing-1') => ({
      streamId,
      streamRevision,
      position: BigInt(10 + streamRevision),
    });
    assert.deepEqual(classifyIdempotentAppend('thing-1', []), { kind: 'new' });
    assert.deepEqual(classifyIdempotentAppend('thing-1', [undefined, undefined]), { kind: 'new' });
    assert.deepEqual(classifyIdempotentAppend('thing-1', [at(4), at(5)]), {
      kind: 'retry',
      result: { nextExpectedRevision: 5, position: 15n },
    });
    assert.throws(() => classifyIdempotentAppend('thing-1', [at(4), undefined]), PartialDuplicateAppendError);
    assert.throws(() => classifyIdempotentAppend('thing-1', [at(5), at(4)]), PartialDuplicateAppendError);
    assert.throws(() => classifyIdempotentAppend('thing-1', [at(4), at(6)]), PartialDuplicateAppendError);
    assert.throws(() => classifyIdempotentAppend('thing-1', [at(4, 'thing-2')]), PartialDuplicateAppendError);
  });

  it('answers an append that wrote nothing with the stream head', () => {
    assert.deepEqual(streamHeadResult(undefined), { nextExpectedRevision: -1, position: 0n });
    assert.deepEqual(streamHeadResult({ streamRevision: 2, position: 7n }), {
      nextExpectedRevision: 2,
      position: 7n,
    });
  });
});
