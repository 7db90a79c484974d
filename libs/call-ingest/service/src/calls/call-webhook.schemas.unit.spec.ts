import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  answeredCallRequestSchema,
  callbackRequestRequestSchema,
  missedCallRequestSchema,
} from './call-webhook.schemas';

const minimal = {
  providerCallId: 'CA1',
  locationId: 'aurora',
  from: '+1 303 555 0101',
  occurredAt: '2026-11-23T11:50:00-07:00',
};

const fieldsOf = (result: { success: boolean; error?: { issues: { path: PropertyKey[] }[] } }) =>
  result.error?.issues.map((i) => i.path.join('.')) ?? [];

describe('call webhook request schemas', () => {
  it('accepts the four required fields, fills optional ones with null and converts times to UTC', () => {
    assert.deepEqual(missedCallRequestSchema.parse(minimal), {
      ...minimal,
      occurredAt: '2026-11-23T18:50:00.000Z',
      callerName: null,
      intent: null,
      transcript: null,
      preferredWindow: null,
      language: null,
      notes: null,
    });
  });

  it('requires providerCallId, locationId, from and occurredAt', () => {
    assert.deepEqual(fieldsOf(missedCallRequestSchema.safeParse({})).sort(), [
      'from',
      'locationId',
      'occurredAt',
      'providerCallId',
    ]);
  });

  it('rejects times without an offset, unknown intents and backwards windows, by field', () => {
    const result = missedCallRequestSchema.safeParse({
      ...minimal,
      occurredAt: '2026-11-23T11:50:00',
      intent: 'gossip',
      preferredWindow: { start: '2026-11-23T15:00:00Z', end: '2026-11-23T14:00:00-07:00' },
    });
    assert.deepEqual(fieldsOf(result).sort(), ['intent', 'occurredAt']);
    const window = missedCallRequestSchema.safeParse({
      ...minimal,
      preferredWindow: { start: '2026-11-23T15:00:00Z', end: '2026-11-23T08:00:00-07:00' },
    });
    assert.deepEqual(fieldsOf(window), ['preferredWindow.end']);
  });

  it('rejects a from that is not shaped like a phone number', () => {
    for (const from of ['anonymous', '12', ''])
      assert.deepEqual(fieldsOf(missedCallRequestSchema.safeParse({ ...minimal, from })), ['from'], from);
  });

  it('keeps language tags and ignores unknown fields', () => {
    const parsed = missedCallRequestSchema.parse({ ...minimal, language: 'pt-BR', vendorField: 1 });
    assert.equal(parsed.language, 'pt-BR');
    assert.ok(!('vendorField' in parsed));
    assert.deepEqual(fieldsOf(missedCallRequestSchema.safeParse({ ...minimal, language: 'español' })), [
      'language',
    ]);
  });

  it('callback requests need a source of ivr or web', () => {
    assert.equal(callbackRequestRequestSchema.parse({ ...minimal, source: 'ivr' }).source, 'ivr');
    assert.deepEqual(fieldsOf(callbackRequestRequestSchema.safeParse(minimal)), ['source']);
  });

  it('answered calls take an optional whole-second duration', () => {
    assert.equal(answeredCallRequestSchema.parse(minimal).durationSeconds, null);
    assert.equal(answeredCallRequestSchema.parse({ ...minimal, durationSeconds: 30 }).durationSeconds, 30);
    assert.deepEqual(fieldsOf(answeredCallRequestSchema.safeParse({ ...minimal, durationSeconds: -1 })), [
      'durationSeconds',
    ]);
  });
});
