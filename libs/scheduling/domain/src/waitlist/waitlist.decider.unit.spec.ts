import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DomainError, deciderSpec, foldEvents } from '@ringback/kernel';
import type { PatientContact, WaitlistEntryAddedV1 } from '@ringback/contracts';
import {
  canAnswer,
  waitlistEntryDecider,
  waitlistOfferDecider,
  type WaitlistOfferCommand,
  type WaitlistOfferEvent,
} from './waitlist.decider';
import { matches, nextBatch, rankCandidates, type FreedSlot } from './waitlist-ranking';

const patient: PatientContact = {
  patientRef: 'mrn-1',
  phone: '+13035550101',
  email: null,
  preferredChannel: 'sms',
  language: 'en',
  bestTimeWindow: null,
  priorNoShows: 0,
};
const entry = (entryId: string, over: Partial<WaitlistEntryAddedV1> = {}): WaitlistEntryAddedV1 => ({
  entryId,
  locationId: 'aurora',
  appointmentTypeId: 'new-visit',
  providerId: null,
  newPatient: true,
  patient,
  clinicalPriority: 3,
  constraints: { earliest: null, latest: null, weekdays: [], timeOfDay: null },
  taskId: null,
  addedBy: 'ann',
  addedAt: '2026-11-20T10:00:00.000Z',
  ...over,
});
// Tuesday 1 December 2026, 09:00 in Denver.
const slot: FreedSlot = {
  locationId: 'aurora',
  providerId: 'dr-lee',
  start: '2026-12-01T16:00:00.000Z',
  appointmentTypeIds: ['new-visit', 'follow-up'],
  timezone: 'America/Denver',
};
const code = (o: { error?: unknown }) => (o.error instanceof DomainError ? o.error.code : String(o.error));

describe('waitlist matching and ranking', () => {
  it('matches place, type, provider and the patient’s constraints in local time', () => {
    assert.equal(matches(entry('a'), slot), true);
    assert.equal(matches(entry('a', { locationId: 'boston' }), slot), false);
    assert.equal(matches(entry('a', { appointmentTypeId: 'procedure' }), slot), false);
    assert.equal(matches(entry('a', { providerId: 'dr-kim' }), slot), false);
    const c = entry('a').constraints;
    assert.equal(matches(entry('a', { constraints: { ...c, weekdays: ['tue'] } }), slot), true);
    assert.equal(matches(entry('a', { constraints: { ...c, weekdays: ['mon', 'wed'] } }), slot), false);
    assert.equal(
      matches(entry('a', { constraints: { ...c, timeOfDay: { start: '08:00', end: '10:00' } } }), slot),
      true,
    );
    assert.equal(
      matches(entry('a', { constraints: { ...c, timeOfDay: { start: '12:00', end: '17:00' } } }), slot),
      false,
    );
    assert.equal(
      matches(entry('a', { constraints: { ...c, earliest: '2026-12-02T00:00:00.000Z' } }), slot),
      false,
    );
    assert.equal(
      matches(entry('a', { constraints: { ...c, latest: '2026-11-30T00:00:00.000Z' } }), slot),
      false,
    );
  });

  it('ranks by clinical priority, then the longest wait; a batch books one type (property)', () => {
    const arb = fc.array(
      fc.record({
        priority: fc.constantFrom(1, 2, 3) as fc.Arbitrary<1 | 2 | 3>,
        day: fc.integer({ min: 1, max: 28 }),
        type: fc.constantFrom('new-visit', 'follow-up', 'procedure'),
        location: fc.constantFrom('aurora', 'boston'),
      }),
      { maxLength: 30 },
    );
    fc.assert(
      fc.property(
        arb,
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.integer({ min: 0, max: 29 })),
        (specs, size, excluded) => {
          const entries = specs.map((s, i) =>
            entry(`e${String(i).padStart(2, '0')}`, {
              clinicalPriority: s.priority,
              addedAt: `2026-11-${String(s.day).padStart(2, '0')}T10:00:00.000Z`,
              appointmentTypeId: s.type,
              locationId: s.location,
            }),
          );
          const exclude = new Set(excluded.map((i) => `e${String(i).padStart(2, '0')}`));
          const ranked = rankCandidates(entries, slot, exclude);
          for (const e of ranked) {
            assert.ok(matches(e, slot) && !exclude.has(e.entryId));
          }
          assert.equal(
            ranked.length,
            entries.filter((e) => matches(e, slot) && !exclude.has(e.entryId)).length,
          );
          for (let i = 1; i < ranked.length; i++) {
            const [a, b] = [ranked[i - 1]!, ranked[i]!];
            assert.ok(
              a.clinicalPriority < b.clinicalPriority ||
                (a.clinicalPriority === b.clinicalPriority && a.addedAt <= b.addedAt),
            );
          }
          const batch = nextBatch(entries, slot, exclude, size);
          if (ranked.length === 0) assert.equal(batch, null);
          else {
            assert.equal(batch!.entries[0], ranked[0]);
            assert.ok(batch!.entries.length <= size);
            assert.ok(batch!.entries.every((e) => e.appointmentTypeId === batch!.appointmentTypeId));
          }
        },
      ),
    );
  });
});

describe('waitlist entries', () => {
  const spec = deciderSpec(waitlistEntryDecider);
  it('are added once and removed once', () => {
    const { addedAt: _a, ...e } = entry('w-1');
    const added = waitlistEntryDecider.decide(
      { type: 'AddWaitlistEntry', data: { ...e, at: '2026-11-20T10:00:00.000Z' } },
      { status: 'none' },
    );
    spec
      .given(added)
      .when({ type: 'AddWaitlistEntry', data: { ...e, at: '2026-11-21T10:00:00.000Z' } })
      .then((o) => assert.deepEqual(o.events, []));
    const remove = {
      type: 'RemoveWaitlistEntry' as const,
      data: {
        entryId: 'w-1',
        reason: 'booked' as const,
        appointmentId: 'a-1',
        removedBy: 'sms',
        at: '2026-11-22T10:00:00.000Z',
      },
    };
    spec
      .given(added)
      .when(remove)
      .then((o) =>
        assert.deepEqual(
          o.events?.map((x) => x.type),
          ['WaitlistEntryRemoved'],
        ),
      );
    spec
      .given([])
      .when(remove)
      .then((o) => assert.equal(code(o), 'waitlist_entry_not_found'));
    spec
      .given([])
      .when({
        type: 'AddWaitlistEntry',
        data: {
          ...e,
          constraints: {
            ...e.constraints,
            earliest: '2026-12-02T00:00:00.000Z',
            latest: '2026-12-01T00:00:00.000Z',
          },
          at: '2026-11-20T10:00:00.000Z',
        },
      })
      .then((o) => assert.equal(code(o), 'invalid_constraints'));
  });
});

describe('waitlist offers', () => {
  const spec = deciderSpec(waitlistOfferDecider);
  const made: WaitlistOfferEvent = {
    type: 'WaitlistOfferMade',
    data: {
      offerId: 'o-1',
      slotId: 'dr-lee.2026-12-01T16:00:00.000Z',
      locationId: 'aurora',
      providerId: 'dr-lee',
      start: '2026-12-01T16:00:00.000Z',
      end: '2026-12-01T16:30:00.000Z',
      appointmentTypeId: 'new-visit',
      entryIds: ['w-1', 'w-2'],
      round: 1,
      previouslyOffered: [],
      freedBy: 'b-0',
      expiresAt: '2026-11-30T18:00:00.000Z',
      offeredAt: '2026-11-30T17:30:00.000Z',
    },
  };
  const confirm = (entryId: string, at = '2026-11-30T17:40:00.000Z'): WaitlistOfferCommand => ({
    type: 'ConfirmWaitlistOffer',
    data: {
      offerId: 'o-1',
      slotId: made.data.slotId,
      entryId,
      appointmentId: `a-${entryId}`,
      via: 'sms',
      at,
    },
  });
  const decline = (entryId: string): WaitlistOfferCommand => ({
    type: 'DeclineWaitlistOffer',
    data: { offerId: 'o-1', entryId, via: 'sms', at: '2026-11-30T17:35:00.000Z' },
  });

  it('the first confirmation wins; a second is told the slot is filled', () => {
    const first = waitlistOfferDecider.decide(confirm('w-1'), foldEvents(waitlistOfferDecider, [made]));
    assert.deepEqual(
      first.map((e) => e.type),
      ['WaitlistOfferConfirmed'],
    );
    spec
      .given([made, ...first])
      .when(confirm('w-2'))
      .then((o) => assert.equal(code(o), 'offer_already_filled'));
    spec
      .given([made, ...first])
      .when(confirm('w-1'))
      .then((o) => assert.deepEqual(o.events, []));
    spec
      .given([made])
      .when(confirm('w-9'))
      .then((o) => assert.equal(code(o), 'not_offered'));
  });

  it('all declining ends the batch; expiry ends it at expiresAt and not before', () => {
    const one = waitlistOfferDecider.decide(decline('w-1'), foldEvents(waitlistOfferDecider, [made]));
    assert.deepEqual(
      one.map((e) => e.type),
      ['WaitlistOfferDeclined'],
    );
    spec
      .given([made, ...one])
      .when(decline('w-2'))
      .then((o) =>
        assert.deepEqual(
          o.events?.map((e) => [e.type, (e.data as { reason?: string }).reason]),
          [
            ['WaitlistOfferDeclined', undefined],
            ['WaitlistOfferExpired', 'all_declined'],
          ],
        ),
      );
    const state = foldEvents(waitlistOfferDecider, [made, ...one]);
    assert.equal(canAnswer(state, 'w-1', '2026-11-30T17:36:00.000Z'), false);
    assert.equal(canAnswer(state, 'w-2', '2026-11-30T17:36:00.000Z'), true);
    assert.equal(canAnswer(state, 'w-2', '2026-11-30T18:00:00.000Z'), false);
    const expire = (at: string): WaitlistOfferCommand => ({
      type: 'ExpireWaitlistOffer',
      data: { offerId: 'o-1', reason: 'expired', at },
    });
    spec
      .given([made])
      .when(expire('2026-11-30T17:59:59.000Z'))
      .then((o) => assert.deepEqual(o.events, []));
    spec
      .given([made])
      .when(expire('2026-11-30T18:00:00.000Z'))
      .then((o) =>
        assert.deepEqual(
          o.events?.map((e) => e.type),
          ['WaitlistOfferExpired'],
        ),
      );
  });

  it('never offers a patient the same slot twice', () => {
    const { offeredAt: _o, ...offer } = made.data;
    spec
      .given([])
      .when({
        type: 'MakeWaitlistOffer',
        data: { ...offer, round: 2, previouslyOffered: ['w-2'], at: '2026-11-30T17:30:00.000Z' },
      })
      .then((o) => assert.equal(code(o), 'invalid_offer'));
  });
});
