import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { EventEnvelope } from '@ringback/contracts';
import { BusHeader, deadLetterHeaders, describeError, publishHeaders } from './bus-headers';
import { decodeEnvelope, encodeEnvelope } from './bus-codec';

const TP_ENVELOPE = '00-11111111111111111111111111111111-2222222222222222-01';
const TP_ACTIVE = '00-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-bbbbbbbbbbbbbbbb-01';

const envelope = (traceparent: string | null = null): EventEnvelope => ({
  eventId: '0193d1c2-0000-7000-8000-000000000001',
  type: 'ThingHappened',
  schemaVersion: 2,
  streamId: 'thing-1',
  occurredAt: '2026-01-01T00:00:00.000Z',
  recordedAt: '2026-01-01T00:00:00.000Z',
  correlationId: 'corr-1',
  causationId: null,
  locationId: null,
  traceparent,
  data: { n: 1 },
});

describe('publishHeaders', () => {
  it('describes the payload: content type, event type, id and schema version', () => {
    assert.deepEqual(publishHeaders(envelope()), {
      'content-type': 'application/json',
      'event-type': 'ThingHappened',
      'event-id': '0193d1c2-0000-7000-8000-000000000001',
      'schema-version': '2',
    });
  });

  it('keeps caller headers but never lets them contradict the envelope', () => {
    const h = publishHeaders(envelope(), {
      'x-tenant': 'acme',
      'event-type': 'Forged',
      'event-id': 'forged',
    });
    assert.equal(h['x-tenant'], 'acme');
    assert.equal(h[BusHeader.eventType], 'ThingHappened');
    assert.equal(h[BusHeader.eventId], '0193d1c2-0000-7000-8000-000000000001');
  });

  it('prefers the injected active trace over the envelope and caller trace headers', () => {
    const h = publishHeaders(
      envelope(TP_ENVELOPE),
      { traceparent: 'caller', tracestate: 'stale=1' },
      { traceparent: TP_ACTIVE },
    );
    assert.equal(h[BusHeader.traceparent], TP_ACTIVE);
    assert.equal(h[BusHeader.tracestate], undefined, 'a tracestate of another trace must not survive');
    const withState = publishHeaders(envelope(), {}, { traceparent: TP_ACTIVE, tracestate: 'vendor=x' });
    assert.equal(withState[BusHeader.tracestate], 'vendor=x');
  });

  it('falls back to a caller traceparent, then to the envelope traceparent, when nothing is active', () => {
    assert.equal(
      publishHeaders(envelope(TP_ENVELOPE), { traceparent: TP_ACTIVE })[BusHeader.traceparent],
      TP_ACTIVE,
    );
    assert.equal(publishHeaders(envelope(TP_ENVELOPE))[BusHeader.traceparent], TP_ENVELOPE);
    assert.equal(publishHeaders(envelope(null))[BusHeader.traceparent], undefined);
  });
});

describe('deadLetterHeaders', () => {
  it('adds the failure and the original coordinates to the original headers', () => {
    const original = publishHeaders(envelope(TP_ENVELOPE), { 'x-tenant': 'acme' });
    const h = deadLetterHeaders(original, {
      error: 'Error: boom',
      attempts: 5,
      topic: 'ringback.thing.events',
      partition: 2,
      offset: '41',
    });
    assert.deepEqual(h, {
      ...original,
      'x-error': 'Error: boom',
      'x-attempts': '5',
      'x-original-topic': 'ringback.thing.events',
      'x-original-partition': '2',
      'x-original-offset': '41',
    });
  });

  it('truncates huge error texts', () => {
    const h = deadLetterHeaders(
      {},
      { error: 'x'.repeat(10_000), attempts: 1, topic: 't', partition: 0, offset: '0' },
    );
    assert.ok(h[BusHeader.error]!.length <= 2_000);
    assert.ok(h[BusHeader.error]!.endsWith('…'));
  });
});

describe('describeError', () => {
  it('names whatever was thrown', () => {
    assert.equal(describeError(new TypeError('bad')), 'TypeError: bad');
    assert.equal(describeError('plain'), 'plain');
    assert.equal(describeError({ code: 7 }), '{"code":7}');
    assert.equal(describeError(undefined), 'undefined');
  });
});

describe('envelope codec', () => {
  it('round-trips an envelope and rejects values that are not envelopes', () => {
    const e = envelope(TP_ENVELOPE);
    assert.deepEqual(decodeEnvelope(encodeEnvelope(e)), e);
    assert.throws(() => decodeEnvelope('{"hello":1}'), /not an event envelope/);
    assert.throws(() => decodeEnvelope('not json'), SyntaxError);
  });
});
