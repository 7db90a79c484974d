import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { twilioParamsOf } from './twilio-status.http.controller';
import { mapTwilioStatus } from './twilio-status.mapping';

const NOW = Date.parse('2026-11-23T18:50:00.000Z');
const base = { CallSid: 'CA42', From: '+17205550123', To: '+13035550000' };

describe('Twilio status callback mapping', () => {
  for (const status of ['no-answer', 'busy', 'failed'])
    it(`${status} becomes a missed call at the clock's time`, () => {
      assert.deepEqual(mapTwilioStatus({ ...base, CallStatus: status }, NOW), {
        kind: 'missed',
        providerCallId: 'CA42',
        from: '+17205550123',
        occurredAt: '2026-11-23T18:50:00.000Z',
      });
    });

  it('uses Twilio’s Timestamp when present and readable', () => {
    const outcome = mapTwilioStatus(
      { ...base, CallStatus: 'busy', Timestamp: 'Mon, 23 Nov 2026 11:40:05 -0700' },
      NOW,
    );
    assert.equal(outcome.kind === 'missed' && outcome.occurredAt, '2026-11-23T18:40:05.000Z');
    const garbage = mapTwilioStatus({ ...base, CallStatus: 'busy', Timestamp: 'yesterday-ish' }, NOW);
    assert.equal(garbage.kind === 'missed' && garbage.occurredAt, '2026-11-23T18:50:00.000Z');
  });

  it('completed becomes an answered call with its CallDuration', () => {
    assert.deepEqual(mapTwilioStatus({ ...base, CallStatus: 'completed', CallDuration: '95' }, NOW), {
      kind: 'answered',
      providerCallId: 'CA42',
      from: '+17205550123',
      occurredAt: '2026-11-23T18:50:00.000Z',
      durationSeconds: 95,
    });
    const noDuration = mapTwilioStatus({ ...base, CallStatus: 'completed', CallDuration: 'n/a' }, NOW);
    assert.equal(noDuration.kind === 'answered' && noDuration.durationSeconds, null);
  });

  it('ignores in-progress statuses', () => {
    for (const status of ['queued', 'ringing', 'in-progress', 'canceled', ''])
      assert.equal(mapTwilioStatus({ ...base, CallStatus: status }, NOW).kind, 'ignored');
  });

  it('names the missing parameter', () => {
    assert.deepEqual(mapTwilioStatus({ CallStatus: 'busy', From: '+17205550123' }, NOW), {
      kind: 'invalid',
      field: 'CallSid',
      message: 'CallSid is required',
    });
    const noFrom = mapTwilioStatus({ CallStatus: 'busy', CallSid: 'CA1' }, NOW);
    assert.equal(noFrom.kind === 'invalid' && noFrom.field, 'From');
  });

  it('keeps only string parameters from the parsed form', () => {
    assert.deepEqual(twilioParamsOf({ a: '1', b: ['2', '3'], c: { nested: 'x' }, d: 4 }), {
      a: '1',
      b: ['2', '3'],
    });
    assert.deepEqual(twilioParamsOf(undefined), {});
  });
});
