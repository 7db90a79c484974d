import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { factsOfHistoricalCall, missedCallDiagnostic, parseCallLogRow } from './call-log';

const zoneOf = (id: string) => (id === 'aurora' ? 'America/Denver' : null);

describe('call-log rows', () => {
  it('reads a row with an offset, or local time in the location’s zone', () => {
    const a = parseCallLogRow(
      {
        call_id: 'C1',
        location_id: 'aurora',
        started_at: '2026-11-23T09:00:00-07:00',
        outcome: 'Missed',
        intent: 'new_patient',
        booked: 'no',
      },
      zoneOf,
    );
    assert.deepEqual(a, {
      ok: true,
      call: {
        callId: 'C1',
        locationId: 'aurora',
        occurredAt: '2026-11-23T16:00:00.000Z',
        outcome: 'missed',
        intent: 'new_patient',
        firstCallbackAt: null,
        reachedAt: null,
        booked: false,
      },
    });
    const local = parseCallLogRow(
      {
        call_id: 'C2',
        location_id: 'aurora',
        started_at: '2026-11-23 09:00',
        outcome: 'voicemail',
        first_callback_at: '2026-11-23T10:30',
        booked: 'yes',
      },
      zoneOf,
    );
    assert.ok(local.ok);
    assert.equal(local.call.occurredAt, '2026-11-23T16:00:00.000Z');
    assert.equal(local.call.firstCallbackAt, '2026-11-23T17:30:00.000Z');
  });

  it('says everything wrong with a bad row', () => {
    const bad = parseCallLogRow(
      {
        call_id: '',
        location_id: 'atlantis',
        started_at: 'soon',
        outcome: 'dropped',
        intent: 'chat',
        booked: 'maybe',
      },
      zoneOf,
    );
    assert.equal(bad.ok, false);
    assert.deepEqual(
      (bad as { errors: string[] }).errors.map((e) => e.split(':')[0]),
      ['call_id', 'location_id', 'started_at', 'outcome', 'intent', 'booked'],
    );
    const answered = parseCallLogRow(
      {
        call_id: 'C3',
        location_id: 'aurora',
        started_at: '2026-11-23T09:00:00Z',
        outcome: 'answered',
        first_callback_at: '2026-11-23T10:00:00Z',
      },
      zoneOf,
    );
    assert.deepEqual((answered as { errors: string[] }).errors, ['an answered call has no callback']);
  });
});

describe('7-day missed-call diagnostic', () => {
  it('matches a week worked out by hand', () => {
    const call = (
      callId: string,
      startedAt: string,
      outcome: 'missed' | 'voicemail' | 'answered',
      intent: string | null,
      firstCallbackAt: string | null,
      booked = false,
    ) =>
      factsOfHistoricalCall(
        {
          callId,
          locationId: 'aurora',
          occurredAt: startedAt,
          outcome,
          intent: intent as never,
          firstCallbackAt,
          reachedAt: booked ? firstCallbackAt : null,
          booked,
        },
        { regionId: 'west', podId: 'pod-mountain' },
      ).task;
    const tasks = [
      call('1', '2026-11-23T16:00:00Z', 'missed', 'new_patient', '2026-11-23T16:30:00Z', true), // 30 min, same day, booked
      call('2', '2026-11-23T23:30:00Z', 'missed', 'new_patient', '2026-11-24T15:30:00Z'), // 16:30 local -> next day 08:30: 960 min, lost
      call('3', '2026-11-24T17:00:00Z', 'voicemail', 'billing', '2026-11-24T19:00:00Z'), // 120 min, same day
      call('4', '2026-11-25T18:00:00Z', 'missed', 'new_patient', null), // never called back: lost
      call('5', '2026-11-26T18:00:00Z', 'missed', 'new_patient', '2026-11-26T18:50:00Z'), // 50 min: not lost
      call('6', '2026-11-26T19:00:00Z', 'answered', null, null), // answered: not a task
    ].filter((t) => t !== null);
    const d = missedCallDiagnostic(tasks, () => 'America/Denver', {
      fromMs: Date.parse('2026-11-23T07:00:00Z'),
      toMs: Date.parse('2026-11-30T07:00:00Z'),
    });
    assert.deepEqual(d, {
      missedCalls: 5,
      notReturnedSameDay: 2, // 2 (next day) and 4 (never)
      sameDayReturnRate: 3 / 5,
      neverCalledBack: 1,
      averageCallbackDelayMinutes: (30 + 960 + 120 + 50) / 4,
      newPatientMissedCalls: 4,
      newPatientCallsLostToDelay: 2, // 2 and 4
      lostAfterMinutes: 60,
    });
  });
});
