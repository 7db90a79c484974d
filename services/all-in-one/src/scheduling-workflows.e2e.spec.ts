import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { signDevToken, type DevTokenClaims } from '@ringback/auth';
import { slotStreamId } from '@ringback/contracts';
import { VirtualClock } from '@ringback/kernel';
import { SchedulingWorkflowConsumer } from '@ringback/scheduling-service';
import {
  E2E_SECRET,
  aurora,
  configureLocations,
  startRingback,
  type RunningRingback,
} from './test-fixtures/all-in-one.harness';
import { settleRingback } from './test-fixtures/day-host';
import { configureScheduling, drLeeTuesday as tue, patient } from './test-fixtures/scheduling.fixture';

type Json = Record<string, unknown>;
interface ErrorBody {
  error: { code: string; message: string };
}
interface ApprovalBody {
  approvalId: string;
  state: string;
  dueAt: string;
  requestedBy: string;
  decision: { decision: string; decidedBy: string; appointmentId: string | null; withinSla: boolean } | null;
}
interface OfferBody {
  offerId: string;
  state: string;
  slotId: string;
  entryIds: string[];
  round: number;
  expiresAt: string;
  confirmedEntryId: string | null;
  endReason: string | null;
}
interface EntryBody {
  entryId: string;
  state: string;
  openOfferId: string | null;
  removal: { reason: string; appointmentId: string | null } | null;
}

// Monday 30 November 2026, 10:00 in Denver.
const MONDAY_10 = '2026-11-30T17:00:00.000Z';

describe('scheduling workflows over the all-in-one process: in-house approvals and the waitlist refill', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'ringback-scheduling-workflows-'));
  const clock = new VirtualClock(MONDAY_10);
  let rb: RunningRingback;
  /** The patient who lost the race for the first freed slot (still waiting). */
  let lastLoser = '';
  const tokens = {} as Record<'admin' | 'ann' | 'bo' | 'desk' | 'supervisor', string>;
  const token = (claims: DevTokenClaims) => signDevToken(claims, E2E_SECRET);
  const request = (method: string, url: string, tk: string, body?: unknown) =>
    fetch(`${rb.service.url}${url}`, {
      method,
      headers: {
        authorization: `Bearer ${tk}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const expectStatus = async <T = Json>(res: Response, status: number, code?: string): Promise<T> => {
    const text = await res.text();
    assert.equal(res.status, status, text);
    const body = JSON.parse(text) as T;
    if (code) assert.equal((body as unknown as ErrorBody).error.code, code, text);
    return body;
  };
  const settle = () => settleRingback(rb.service, rb.adapters);
  const slotStatus = async (slotId: string) => {
    const start = slotId.slice(slotId.indexOf('.') + 1);
    const end = new Date(Date.parse(start) + 60_000).toISOString();
    const res = await request(
      'GET',
      `/api/v1/slots?providerId=dr-lee&status=all&from=${start}&to=${end}`,
      tokens.ann,
    );
    return (await expectStatus<{ items: { status: string }[] }>(res, 200)).items[0]?.status;
  };
  const liveBookings = async (slotId: string) => {
    let live = 0;
    for (const r of await rb.adapters.eventStore.readStream(slotStreamId(slotId))) {
      if (r.envelope.type === 'SlotBooked') live += 1;
      if (r.envelope.type === 'BookingCancelled') live -= 1;
      assert.ok(live <= 1, `two live bookings of ${slotId}`);
    }
    return live;
  };
  const book = async (slotId: string, ref: string) =>
    expectStatus<{ appointmentId: string }>(
      await request('POST', '/api/v1/appointments', tokens.ann, {
        slotId,
        appointmentTypeId: 'new-visit',
        patient: patient(ref),
      }),
      201,
    );
  const cancel = async (appointmentId: string) => {
    await expectStatus(
      await request('POST', `/api/v1/appointments/${appointmentId}/cancel`, tokens.ann, {}),
      200,
    );
    await settle();
  };
  const join = async (ref: string, over: Json = {}) =>
    expectStatus<EntryBody>(
      await request('POST', '/api/v1/waitlist', tokens.ann, {
        locationId: 'aurora',
        appointmentTypeId: 'new-visit',
        newPatient: true,
        patient: patient(ref),
        ...over,
      }),
      201,
    );
  const openOffer = async (slotId: string) => {
    const res = await request('GET', '/api/v1/waitlist/offers?state=open&locationId=aurora', tokens.ann);
    return (await expectStatus<{ items: OfferBody[] }>(res, 200)).items.find((o) => o.slotId === slotId);
  };
  const entry = async (entryId: string) => {
    const res = await request('GET', '/api/v1/waitlist?locationId=aurora', tokens.ann);
    return (await expectStatus<{ items: EntryBody[] }>(res, 200)).items.find((e) => e.entryId === entryId)!;
  };

  before(async () => {
    rb = await startRingback(dataDir, {
      clock,
      env: {
        ROUTING_INTERVAL_MS: '0',
        SLA_TIMER_INTERVAL_MS: '0',
        SCHEDULING_INTERVAL_MS: '0',
        WAITLIST_BATCH_SIZE: '2',
      },
    });
    tokens.admin = await token({ sub: 'root', role: 'admin' });
    tokens.ann = await token({ sub: 'ann', role: 'coordinator', pods: ['pod-mountain'] });
    tokens.bo = await token({ sub: 'bo', role: 'coordinator', pods: ['pod-mountain'] });
    tokens.desk = await token({ sub: 'desk-aurora', role: 'clinic_staff', locations: ['aurora'] });
    tokens.supervisor = await token({ sub: 'sue', role: 'supervisor', regions: ['west'] });
    await configureLocations(rb, tokens.admin, { aurora });
    await configureScheduling(rb.service.url, tokens.admin);
    await settle();
  });

  after(async () => {
    await rb?.service.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a booking outside one’s authority waits for in-house approval, holding the slot; someone else with the authority approves', async () => {
    const body = { slotId: tue('13:00'), appointmentTypeId: 'procedure', patient: patient('mrn-5005') };
    await expectStatus(
      await request('POST', '/api/v1/appointments', tokens.ann, body),
      403,
      'approval_required',
    );
    await expectStatus(
      await request('POST', '/api/v1/booking-approvals', tokens.ann, { ...body, slotId: tue('09:00') }),
      422,
      'appointment_type_not_offered',
    );
    const pending = await expectStatus<ApprovalBody>(
      await request('POST', '/api/v1/booking-approvals', tokens.ann, body),
      201,
    );
    assert.equal(pending.state, 'pending');
    assert.equal(pending.dueAt, '2026-11-30T17:30:00.000Z');
    assert.equal(await slotStatus(tue('13:00')), 'held');
    await expectStatus(
      await request('POST', '/api/v1/appointments', tokens.desk, {
        slotId: tue('13:00'),
        appointmentTypeId: 'new-visit',
        patient: patient('mrn-x'),
      }),
      409,
      'slot_already_held',
    );
    // Direct authority needs no approval.
    await expectStatus(
      await request('POST', '/api/v1/booking-approvals', tokens.ann, {
        ...body,
        slotId: tue('09:30'),
        appointmentTypeId: 'new-visit',
      }),
      422,
      'approval_not_needed',
    );
    const decide = (tk: string, decision: 'approve' | 'deny', id = pending.approvalId) =>
      request('POST', `/api/v1/booking-approvals/${id}/${decision}`, tk, {});
    await expectStatus(await decide(tokens.ann, 'approve'), 422, 'self_approval');
    await expectStatus(await decide(tokens.bo, 'approve'), 403, 'not_authorized_to_approve');
    clock.set('2026-11-30T17:10:00.000Z');
    const approved = await expectStatus<ApprovalBody>(await decide(tokens.desk, 'approve'), 200);
    assert.equal(approved.state, 'approved');
    assert.equal(approved.decision?.decidedBy, 'desk-aurora');
    assert.equal(approved.decision?.withinSla, true);
    const appointment = await expectStatus<{ status: string; bookedBy: string; appointmentTypeId: string }>(
      await request('GET', `/api/v1/appointments/${approved.decision!.appointmentId}`, tokens.ann),
      200,
    );
    assert.deepEqual(
      [appointment.status, appointment.bookedBy, appointment.appointmentTypeId],
      ['booked', 'ann', 'procedure'],
    );
    await expectStatus(await decide(tokens.desk, 'deny'), 409, 'approval_already_decided');
    assert.equal(await liveBookings(tue('13:00')), 1);
  });

  it('a denied request frees the slot; an undecided one expires at its due time and frees it too', async () => {
    const protectedSlot = {
      slotId: tue('13:30'),
      appointmentTypeId: 'new-visit',
      patient: patient('mrn-6006'),
    };
    const a = await expectStatus<ApprovalBody>(
      await request('POST', '/api/v1/booking-approvals', tokens.ann, protectedSlot),
      201,
    );
    // A supervisor books protected slots only with approval too, so cannot approve one.
    await expectStatus(
      await request('POST', `/api/v1/booking-approvals/${a.approvalId}/approve`, tokens.supervisor, {}),
      403,
      'not_authorized_to_approve',
    );
    const denied = await expectStatus<ApprovalBody>(
      await request('POST', `/api/v1/booking-approvals/${a.approvalId}/deny`, tokens.desk, {
        note: 'kept for urgent same-day',
      }),
      200,
    );
    assert.equal(denied.state, 'denied');
    assert.equal(await slotStatus(tue('13:30')), 'free');

    const b = await expectStatus<ApprovalBody>(
      await request('POST', '/api/v1/booking-approvals', tokens.ann, protectedSlot),
      201,
    );
    assert.equal(await slotStatus(tue('13:30')), 'held');
    clock.set('2026-11-30T17:41:00.000Z');
    await settle();
    const expired = await expectStatus<ApprovalBody>(
      await request('GET', `/api/v1/booking-approvals/${b.approvalId}`, tokens.ann),
      200,
    );
    assert.equal(expired.state, 'expired');
    assert.equal(await slotStatus(tue('13:30')), 'free');
    await expectStatus(
      await request('POST', `/api/v1/booking-approvals/${b.approvalId}/approve`, tokens.desk, {}),
      409,
      'approval_expired',
    );
    const pending = await expectStatus<{ items: ApprovalBody[] }>(
      await request('GET', '/api/v1/booking-approvals?state=pending', tokens.supervisor),
      200,
    );
    assert.deepEqual(pending.items, []);
  });

  it('a cancellation offers the slot to the best-ranked batch; of two confirmations at once exactly one books', async () => {
    const routine = await join('mrn-w1');
    clock.set('2026-11-30T17:45:00.000Z');
    const urgent = await join('mrn-w2', { clinicalPriority: 1 });
    const afternoon = await join('mrn-w3', {
      clinicalPriority: 1,
      constraints: { timeOfDay: { start: '13:00', end: '17:00' } },
    });
    const elsewhere = await join('mrn-w4', { clinicalPriority: 1, appointmentTypeId: 'procedure' });
    const freed = await book(tue('10:00'), 'mrn-7007');
    await cancel(freed.appointmentId);
    const offer = (await openOffer(tue('10:00')))!;
    assert.ok(offer, 'an offer for the freed slot');
    // Priority first (urgent before routine), only matching patients (not the afternoon-only one, nor another type).
    assert.deepEqual(offer.entryIds, [urgent.entryId, routine.entryId]);
    assert.equal(offer.round, 1);
    assert.equal(offer.expiresAt, '2026-11-30T18:15:00.000Z');
    assert.equal(await slotStatus(tue('10:00')), 'held');
    assert.equal((await entry(urgent.entryId)).openOfferId, offer.offerId);
    assert.equal((await entry(afternoon.entryId)).openOfferId, null);
    assert.equal((await entry(elsewhere.entryId)).openOfferId, null);

    // Redelivering the cancellation offers nothing twice.
    const consumer = rb.service.app.get(SchedulingWorkflowConsumer, { strict: false });
    const cancelledEvent = (await rb.adapters.eventStore.readStream(slotStreamId(tue('10:00')))).find(
      (r) => r.envelope.type === 'BookingCancelled',
    )!;
    await consumer.handle(cancelledEvent.envelope);
    await settle();
    const offers = await expectStatus<{ items: OfferBody[] }>(
      await request('GET', '/api/v1/waitlist/offers?locationId=aurora', tokens.ann),
      200,
    );
    assert.equal(offers.items.filter((o) => o.slotId === tue('10:00')).length, 1);

    const answers = await Promise.all(
      [urgent, routine].map((e) =>
        request('POST', `/api/v1/waitlist/offers/${offer.offerId}/confirm`, tokens.desk, {
          entryId: e.entryId,
        }),
      ),
    );
    assert.deepEqual(answers.map((r) => r.status).sort(), [200, 409]);
    const loser = answers.find((r) => r.status === 409)!;
    assert.equal(((await loser.json()) as ErrorBody).error.code, 'offer_already_filled');
    await settle();
    assert.equal(await liveBookings(tue('10:00')), 1);
    const filled = (
      await expectStatus<{ items: OfferBody[] }>(
        await request('GET', '/api/v1/waitlist/offers?state=confirmed', tokens.ann),
        200,
      )
    ).items[0]!;
    const winner = filled.confirmedEntryId!;
    assert.ok([urgent.entryId, routine.entryId].includes(winner));
    const removed = await entry(winner);
    assert.equal(removed.state, 'removed');
    assert.equal(removed.removal?.reason, 'booked');
    const booked = await expectStatus<{ source: string; status: string }>(
      await request('GET', `/api/v1/appointments/${removed.removal!.appointmentId}`, tokens.ann),
      200,
    );
    assert.deepEqual([booked.source, booked.status], ['waitlist', 'booked']);
    lastLoser = winner === urgent.entryId ? routine.entryId : urgent.entryId;
    const other = await entry(lastLoser);
    assert.deepEqual([other.state, other.openOfferId], ['waiting', null]);
  });

  it('an all-declined batch and an expired batch move on to the next patients, then free the slot', async () => {
    clock.set('2026-11-30T17:50:00.000Z');
    const late = await join('mrn-w5');
    clock.set('2026-11-30T17:55:00.000Z');
    const third = await join('mrn-w6');
    const freed = await book(tue('10:30'), 'mrn-8008');
    await cancel(freed.appointmentId);
    const first = (await openOffer(tue('10:30')))!;
    assert.deepEqual(first.entryIds, [lastLoser, late.entryId]);
    for (const e of first.entryIds)
      await expectStatus(
        await request('POST', `/api/v1/waitlist/offers/${first.offerId}/decline`, tokens.desk, {
          entryId: e,
        }),
        200,
      );
    await settle();
    const second = (await openOffer(tue('10:30')))!;
    assert.equal(second.round, 2);
    assert.deepEqual(second.entryIds, [third.entryId], 'never the same patients again');
    // Nobody answers: the batch expires, nobody is left, and the slot is free for anyone.
    clock.set(second.expiresAt);
    await settle();
    assert.equal(await openOffer(tue('10:30')), undefined);
    const ended = (
      await expectStatus<{ items: OfferBody[] }>(
        await request('GET', '/api/v1/waitlist/offers?state=ended', tokens.ann),
        200,
      )
    ).items;
    assert.deepEqual(
      ended
        .filter((o) => o.slotId === tue('10:30'))
        .map((o) => [o.round, o.endReason])
        .sort(),
      [
        [1, 'all_declined'],
        [2, 'expired'],
      ],
    );
    assert.equal(await slotStatus(tue('10:30')), 'free');
    await expectStatus(
      await request('POST', `/api/v1/waitlist/offers/${second.offerId}/confirm`, tokens.desk, {
        entryId: third.entryId,
      }),
      409,
      'offer_closed',
    );
    assert.equal(await liveBookings(tue('10:30')), 0);
    // Withdrawn patients are offered nothing.
    const gone = await expectStatus<EntryBody>(
      await request('POST', `/api/v1/waitlist/${third.entryId}/withdraw`, tokens.ann),
      200,
    );
    assert.equal(gone.state, 'removed');
  });

  it('refuses bad waitlist input with a 4xx and records nothing', async () => {
    const before = (
      await expectStatus<{ items: unknown[] }>(await request('GET', '/api/v1/waitlist', tokens.admin), 200)
    ).items.length;
    await expectStatus(
      await request('POST', '/api/v1/waitlist', tokens.ann, {
        locationId: 'aurora',
        appointmentTypeId: 'new-visit',
        patient: patient('m'),
        clinicalPriority: 7,
      }),
      400,
      'validation_failed',
    );
    await expectStatus(
      await request('POST', '/api/v1/waitlist', tokens.ann, {
        locationId: 'aurora',
        appointmentTypeId: 'nope',
        patient: patient('m'),
      }),
      422,
      'unknown_appointment_type',
    );
    await expectStatus(
      await request('POST', '/api/v1/waitlist', tokens.ann, {
        locationId: 'aurora',
        appointmentTypeId: 'follow-up',
        newPatient: true,
        patient: patient('m'),
      }),
      422,
      'new_patients_not_allowed',
    );
    await expectStatus(
      await request('POST', '/api/v1/waitlist', tokens.ann, {
        locationId: 'nowhere',
        appointmentTypeId: 'new-visit',
        patient: patient('m'),
      }),
      404,
      'location_not_found',
    );
    await expectStatus(
      await request('POST', '/api/v1/waitlist', tokens.ann, {
        locationId: 'aurora',
        appointmentTypeId: 'new-visit',
        patient: patient('m'),
        constraints: { earliest: '2026-12-05T00:00:00Z', latest: '2026-12-01T00:00:00Z' },
      }),
      422,
      'invalid_constraints',
    );
    const outsider = await token({ sub: 'hal', role: 'coordinator', pods: ['pod-harbor'] });
    await expectStatus(
      await request('POST', '/api/v1/waitlist', outsider, {
        locationId: 'aurora',
        appointmentTypeId: 'new-visit',
        patient: patient('m'),
      }),
      403,
    );
    const after = (
      await expectStatus<{ items: unknown[] }>(await request('GET', '/api/v1/waitlist', tokens.admin), 200)
    ).items.length;
    assert.equal(after, before);
  });
});
