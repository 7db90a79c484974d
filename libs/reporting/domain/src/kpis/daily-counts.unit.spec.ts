import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { TaskFact } from '../facts/facts';
import { counterDelta, parseDailyCounterKey, taskCounters } from './daily-counts';

const ZONE = 'America/Denver';
const at = (minutes: number) => new Date(Date.parse('2026-11-30T05:00:00Z') + minutes * 60_000).toISOString();
const task = (over: Partial<TaskFact>): TaskFact => ({
  taskId: 't',
  locationId: 'aurora',
  regionId: 'west',
  podId: 'pod-mountain',
  tier: 2,
  intent: null,
  channel: 'missed_call',
  openedAt: at(0),
  firstAttemptAt: null,
  firstReachedAt: null,
  resolvedAt: null,
  resolution: null,
  unreachableAt: null,
  reopenCount: 0,
  slaDueAt: at(15),
  slaMet: null,
  slaBreached: false,
  escalatedAt: null,
  handoffAcceptedAt: null,
  bookedAt: null,
  imported: false,
  ...over,
});

describe('daily counts', () => {
  it('counts a task on the local day it was opened, with what happened that same day', () => {
    // 05:00Z on the 30th is 22:00 on Sunday the 29th in Denver; an attempt at 08:00Z is Monday there.
    const counted = taskCounters(task({ firstAttemptAt: at(60), resolvedAt: at(180), slaMet: true }), ZONE)!;
    assert.equal(counted.day, '2026-11-29');
    assert.deepEqual(counted.counters.map(parseDailyCounterKey), [
      { metric: 'tasks', tier: '2', state: 'opened' },
      { metric: 'tasks', tier: '2', state: 'attempted_same_day' },
      { metric: 'tasks', tier: '2', state: 'sla_met' },
    ]);
    assert.equal(taskCounters(task({ imported: true }), ZONE), null, 'imported history is not counted');
  });

  it('the deltas of any sequence of versions of a task add up to the counters of its last version', () => {
    const version = fc.record({
      tier: fc.constantFrom(1, 2, 3),
      firstAttemptAt: fc.option(fc.integer({ min: 0, max: 3000 }), { nil: null }),
      resolvedAt: fc.option(fc.integer({ min: 0, max: 3000 }), { nil: null }),
      slaMet: fc.option(fc.boolean(), { nil: null }),
      slaBreached: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(version, { minLength: 1, maxLength: 8 }), (versions) => {
        const counts = new Map<string, number>();
        let before: ReturnType<typeof taskCounters> = null;
        for (const v of versions) {
          const after = taskCounters(
            task({
              tier: v.tier as TaskFact['tier'],
              firstAttemptAt: v.firstAttemptAt === null ? null : at(v.firstAttemptAt),
              resolvedAt: v.resolvedAt === null ? null : at(v.resolvedAt),
              slaMet: v.slaMet,
              slaBreached: v.slaBreached,
            }),
            ZONE,
          );
          for (const { day, counter, by } of counterDelta(before, after)) {
            const k = `${day}#${counter}`;
            counts.set(k, (counts.get(k) ?? 0) + by);
          }
          before = after;
        }
        const expected = new Map(before!.counters.map((c) => [`${before!.day}#${c}`, 1]));
        assert.deepEqual(new Map([...counts].filter(([, n]) => n !== 0)), expected);
      }),
      { numRuns: 300 },
    );
  });
});
