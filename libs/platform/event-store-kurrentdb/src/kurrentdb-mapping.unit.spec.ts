import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { JSONRecordedEvent } from '@kurrent/kurrentdb-client';
import type { RecordedEvent } from '@ringback/contracts';
import { PartialDuplicateAppendError } from '@ringback/platform-core';
import { thingHappened } from '@ringback/testing';
import {
  allFilter,
  classifyAppend,
  decodePosition,
  encodePosition,
  fromKurrentEvent,
  scanHorizon,
  toActualRevision,
  toEventData,
  toStreamState,
  uuidV7Millis,
} from './kurrentdb-mapping';

/** What the client hands back for an event written with `toEventData`, after the JSON round trip. */
function asStored(
  data: ReturnType<typeof toEventData>,
  streamId: string,
  revision: bigint,
  at: bigint,
): JSONRecordedEvent {
  return {
    streamId,
    id: data.id,
    isJson: true,
    revision,
    type: data.type,
    created: new Date(),
    data: JSON.parse(JSON.stringify(data.data)),
    metadata: JSON.parse(JSON.stringify(data.metadata)),
    position: { commit: at, prepare: at },
  } as JSONRecordedEvent;
}

describe('KurrentDB mapping', () => {
  it('writes the envelope as a JSON event: id, type, payload as data, the rest as metadata', () => {
    const e = thingHappened('thing-1', 7, { causationId: 'cause-1' });
    const data = toEventData(e);
    assert.equal(data.id, e.eventId);
    assert.equal(data.type, 'ThingHappened');
    assert.equal(data.contentType, 'application/json');
    assert.deepEqual(data.data, { n: 7, label: 'test' });
    const { eventId: _id, type: _type, data: _data, ...rest } = e;
    assert.deepEqual(data.metadata, { ...rest, $correlationId: e.correlationId, $causationId: 'cause-1' });
  });

  it('reads back exactly the envelope it wrote, with revision and position', () => {
    for (const e of [
      thingHappened('thing-1', 1),
      thingHappened('thing-1', 2, {
        causationId: 'c',
        traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      }),
    ]) {
      const recorded = fromKurrentEvent(asStored(toEventData(e), 'thing-1', 4n, 1234n));
      assert.deepEqual(recorded, { envelope: e, streamRevision: 4, position: 1234n });
    }
  });

  it('ignores events that are not Ringback envelopes', () => {
    const stored = asStored(toEventData(thingHappened('thing-1', 1)), 'thing-1', 0n, 10n);
    assert.equal(fromKurrentEvent(undefined), undefined);
    assert.equal(
      fromKurrentEvent({ ...stored, metadata: { foreign: true } } as JSONRecordedEvent),
      undefined,
    );
    assert.equal(
      fromKurrentEvent({ ...stored, metadata: undefined } as unknown as JSONRecordedEvent),
      undefined,
    );
    // metadata copied from another stream is not this event's envelope
    assert.equal(fromKurrentEvent({ ...stored, streamId: 'thing-2' } as JSONRecordedEvent), undefined);
  });

  it('encodes {commit, prepare} as the commit position and resumes from the same point', () => {
    assert.equal(encodePosition({ commit: 5_000_123n, prepare: 5_000_123n }), 5_000_123n);
    assert.deepEqual(decodePosition(5_000_123n), { commit: 5_000_123n, prepare: 5_000_123n });
    const big = 2n ** 62n + 17n;
    assert.equal(encodePosition(decodePosition(big)), big);
    assert.throws(() => encodePosition({ commit: 200n, prepare: 150n }), /explicit transaction/);
  });

  it('maps expected revisions to KurrentDB stream states and back', () => {
    assert.equal(toStreamState('any'), 'any');
    assert.equal(toStreamState('no_stream'), 'no_stream');
    assert.equal(toStreamState('stream_exists'), 'stream_exists');
    assert.equal(toStreamState(0), 0n);
    assert.equal(toStreamState(41), 41n);
    assert.throws(() => toStreamState(-1), RangeError);
    assert.throws(() => toStreamState(1.5), RangeError);
    assert.equal(toActualRevision('no_stream'), 'no_stream');
    assert.equal(toActualRevision(-1n), 'no_stream');
    assert.equal(toActualRevision(3n), 3);
  });

  it('filters $all by stream-name prefix per category, or excludes system events', () => {
    const byCategory = allFilter(['task', 'call', 'task']);
    assert.equal(byCategory.filterOn, 'streamName');
    assert.ok('prefixes' in byCategory);
    assert.deepEqual(byCategory.prefixes, ['task-', 'call-']);
    const all = allFilter(undefined);
    assert.equal(all.filterOn, 'eventType');
    assert.ok('regex' in all);
    assert.ok(!new RegExp(all.regex).test('$statsCollected'));
    assert.ok(new RegExp(all.regex).test('ThingHappened'));
  });

  describe('classifyAppend', () => {
    const rec = (streamId: string, revision: number, position: bigint): RecordedEvent => ({
      envelope: thingHappened(streamId, revision),
      streamRevision: revision,
      position,
    });
    const a = rec('thing-1', 3, 30n);
    const b = rec('thing-1', 4, 40n);
    const ids = [a.envelope.eventId, b.envelope.eventId];
    const stored = new Map([
      [a.envelope.eventId, a],
      [b.envelope.eventId, b],
    ]);

    it('is a new append when no id is stored', () => {
      assert.deepEqual(classifyAppend('thing-1', ['x', 'y'], stored), { kind: 'new' });
    });

    it('answers a full in-order retry as the original append', () => {
      assert.deepEqual(classifyAppend('thing-1', ids, stored), {
        kind: 'retry',
        result: { nextExpectedRevision: 4, position: 40n },
      });
    });

    it('refuses mixes, reorderings and ids stored in another stream', () => {
      assert.throws(() => classifyAppend('thing-1', [ids[0]!, 'new'], stored), PartialDuplicateAppendError);
      assert.throws(() => classifyAppend('thing-1', [ids[1]!, ids[0]!], stored), PartialDuplicateAppendError);
      assert.throws(() => classifyAppend('thing-2', ids, stored), PartialDuplicateAppendError);
    });
  });

  it('bounds the idempotency scan by the oldest UUIDv7 in the batch', () => {
    const at = Date.UTC(2026, 0, 2, 3, 4, 5);
    const e1 = thingHappened('thing-1', 1);
    assert.ok(Math.abs(uuidV7Millis(e1.eventId)! - Date.now()) < 60_000);
    const id = (ms: number): string => {
      const hex = ms.toString(16).padStart(12, '0');
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7abc-8def-0123456789ab`;
    };
    assert.equal(uuidV7Millis(id(at)), at);
    assert.equal(uuidV7Millis('0b6f0f2a-8f5e-4c2b-9d3e-1a2b3c4d5e6f'), undefined); // v4
    assert.equal(scanHorizon([id(at + 5), id(at)], 1_000), at - 1_000);
    assert.equal(scanHorizon([id(at), 'not-a-uuid'], 1_000), undefined);
  });
});
