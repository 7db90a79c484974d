// Issue 4's end-to-end story, shared by the embedded and the Kafka runs: a missed new-patient call
// becomes a callback, the callback a booking; the confirmation and reminders go out at the right
// local times (quiet hours, across the autumn DST change); the patient cancels by SMS; the freed slot
// is offered to the waitlist and filled by SMS; STOP and HELP are honoured; every message is sent
// exactly once, also when the bus redelivers everything.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { signDevToken, type DevTokenClaims } from '@ringback/auth';
import { DateTime } from 'luxon';
import { E2E_SECRET, E2E_WEBHOOK_SECRET, aurora } from './all-in-one.harness';
import type { DayHost } from './day-host';
import { configureScheduling, patient } from './scheduling.fixture';

/** Thursday 29 October 2026, 20:30 in Denver (MDT, UTC-6): after hours, in quiet hours. */
export const STORY_START = '2026-10-30T02:30:00.000Z';
const DENVER = 'America/Denver';
/** Tuesday 3 November 2026, 10:00 MST (after the change back on Sunday 1 November). */
const SLOT = 'dr-lee.2026-11-03T17:00:00.000Z';
const PHONE_DANA = '+13035550101';
const PHONE_URGENT = '+13035550202';
const PHONE_ROUTINE = '+13035550303';

export interface OutboxRowLike {
  messageId: string;
  to: string;
  body: string;
}

export interface StoryHooks {
  readStream(streamId: string): Promise<{ type: string; data: Record<string, unknown> }[]>;
  /** What the embedded outbox channel stored (what patients would have received). */
  outboxRows(): OutboxRowLike[];
  /** Hands every recorded event to the consumers again, as a bus redelivering everything would. */
  redeliverAll(): Promise<void>;
}

interface OutboxItem {
  messageId: string;
  state: string;
  kind: string;
  subjectId: string;
  to: string;
  body: string;
  sendAt: string;
  sentAt: string | null;
  suppressedReason: string | null;
}

const local = (iso: string) => DateTime.fromISO(iso, { zone: DENVER }).toFormat('ccc d LLL HH:mm ZZZZ');

export async function runKeptAppointmentStory(host: DayHost, hooks: StoryHooks): Promise<void> {
  let now = Date.parse(STORY_START);
  const token = (claims: DevTokenClaims) => signDevToken(claims, E2E_SECRET);
  const tokens = {
    admin: await token({ role: 'admin', sub: 'root' }),
    ann: await token({ role: 'coordinator', sub: 'ann', pods: ['pod-mountain'] }),
    supervisor: await token({ role: 'supervisor', sub: 'sue', regions: ['west'] }),
  };
  const call = async <T>(
    method: string,
    url: string,
    body?: unknown,
    bearer = tokens.admin,
    expected = 200,
  ): Promise<T> => {
    const res = await fetch(`${host.url}${url}`, {
      method,
      headers: {
        authorization: `Bearer ${bearer}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    assert.equal(res.status, expected, `${method} ${url}: ${text}`);
    return JSON.parse(text) as T;
  };
  const signed = async <T>(path: string, body: Record<string, unknown>, expected = 202): Promise<T> => {
    const raw = JSON.stringify(body);
    const ts = Math.floor(now / 1000);
    const res = await fetch(`${host.url}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-ringback-timestamp': String(ts),
        'x-ringback-signature': `sha256=${createHmac('sha256', E2E_WEBHOOK_SECRET).update(`${ts}.${raw}`).digest('hex')}`,
      },
      body: raw,
    });
    const text = await res.text();
    assert.equal(res.status, expected, `${path}: ${text}`);
    return JSON.parse(text) as T;
  };
  const at = async (iso: string) => {
    now = Date.parse(iso);
    await host.at(iso);
  };
  let sms = 0;
  const replies: Record<string, unknown>[] = [];
  const text = async (from: string, body: string) => {
    sms += 1;
    const message = { providerMessageId: `SMS-${sms}`, from, body, receivedAt: new Date(now).toISOString() };
    replies.push(message);
    const answer = await signed<{ intent: string }>('/api/v1/messages/inbound', message);
    await host.settle();
    return answer.intent;
  };
  const outbox = async () =>
    (
      await call<{ items: OutboxItem[] }>(
        'GET',
        '/api/v1/outbox?locationId=aurora&limit=500',
        undefined,
        tokens.supervisor,
      )
    ).items;
  const messagesTo = async (to: string) =>
    (await outbox()).filter((m) => m.to === to).sort((a, b) => (a.sendAt < b.sendAt ? -1 : 1));

  // The clinic, its provider and the coordinator.
  await host.at(STORY_START);
  for (const [id, body] of Object.entries({ aurora }))
    await call('PUT', `/api/v1/admin/locations/${id}`, body);
  await host.settle();
  await configureScheduling(host.url, tokens.admin);
  await host.settle();

  // 20:30, Thursday: Dana's missed call (a new patient, Spanish); Ann calls back and books Tuesday 10:00.
  const { taskId } = await signed<{ taskId: string }>('/api/v1/calls/missed', {
    providerCallId: 'CA-dana',
    locationId: 'aurora',
    from: '303-555-0101',
    callerName: 'Dana Reyes',
    occurredAt: new Date(now - 5 * 60_000).toISOString(),
    intent: 'new_patient',
    language: 'es',
  });
  await host.settle();
  const booked = await call<{ appointmentId: string; bookingId: string }>(
    'POST',
    '/api/v1/appointments',
    {
      slotId: SLOT,
      appointmentTypeId: 'new-visit',
      newPatient: true,
      patient: patient('mrn-dana', { phone: PHONE_DANA }),
      taskId,
    },
    tokens.ann,
    201,
  );
  await host.settle();
  assert.equal((await call<{ status: string }>('GET', `/api/v1/tasks/${taskId}`)).status, 'resolved');

  // Her messages, in Denver time: nothing at night; the reminders keep 10:00 across the DST change.
  const planned = await messagesTo(PHONE_DANA);
  assert.deepEqual(
    planned.map((m) => [m.kind, local(m.sendAt), m.state]),
    [
      ['confirmation', 'Fri 30 Oct 08:00 MDT', 'queued'],
      ['reminder_48h', 'Sun 1 Nov 10:00 MST', 'queued'],
      ['reminder_24h', 'Mon 2 Nov 10:00 MST', 'queued'],
      ['same_day', 'Tue 3 Nov 08:00 MST', 'queued'],
    ],
  );
  assert.match(
    planned[0]!.body,
    /Aurora Family Medicine: su cita quedó reservada para el martes, 3 de noviembre/,
  );

  // 08:00 Friday: the confirmation goes out; Dana confirms with "1".
  await at('2026-10-30T14:00:00.000Z');
  assert.equal((await messagesTo(PHONE_DANA))[0]!.state, 'sent');
  assert.equal(await text(PHONE_DANA, '1'), 'confirm');

  // Two patients wait for a new-patient visit: an urgent one and a routine one (with HELP later).
  await call(
    'POST',
    '/api/v1/waitlist',
    {
      locationId: 'aurora',
      appointmentTypeId: 'new-visit',
      newPatient: true,
      clinicalPriority: 3,
      patient: patient('mrn-routine', { phone: PHONE_ROUTINE, language: 'en' }),
    },
    tokens.ann,
    201,
  );
  await at('2026-10-30T15:00:00.000Z');
  await call(
    'POST',
    '/api/v1/waitlist',
    {
      locationId: 'aurora',
      appointmentTypeId: 'new-visit',
      newPatient: true,
      clinicalPriority: 1,
      patient: patient('mrn-urgent', { phone: PHONE_URGENT, language: 'en' }),
    },
    tokens.ann,
    201,
  );

  // Sunday 10:00 MST: the 48 h reminder. Dana answers "2": she cancels.
  await at('2026-11-01T17:00:00.000Z');
  assert.equal((await messagesTo(PHONE_DANA)).find((m) => m.kind === 'reminder_48h')?.state, 'sent');
  await at('2026-11-01T17:10:00.000Z');
  assert.equal(await text(PHONE_DANA, '2'), 'cancel');
  const cancelled = await call<{ status: string; cancellation: { cause: string } }>(
    'GET',
    `/api/v1/appointments/${booked.appointmentId}`,
  );
  assert.deepEqual([cancelled.status, cancelled.cancellation.cause], ['cancelled', 'patient']);
  assert.equal((await messagesTo(PHONE_DANA)).find((m) => m.kind === 'cancellation')?.state, 'sent');

  // The slot goes to the waitlist: the urgent patient first, the routine one in the same batch.
  const offers = await call<{
    items: { offerId: string; slotId: string; entryIds: string[]; state: string }[];
  }>('GET', '/api/v1/waitlist/offers?state=open');
  assert.equal(offers.items.length, 1);
  assert.equal(offers.items[0]!.slotId, SLOT);
  const offerTexts = (await outbox()).filter((m) => m.kind === 'waitlist_offer');
  assert.deepEqual(
    offerTexts.map((m) => [m.to, m.state]).sort(),
    [
      [PHONE_URGENT, 'sent'],
      [PHONE_ROUTINE, 'sent'],
    ].sort(),
  );
  assert.match(offerTexts[0]!.body, /Reply YES to take it/);

  // The urgent patient answers YES and gets it; the routine patient is told it is filled, asks HELP.
  await at('2026-11-01T17:15:00.000Z');
  assert.equal(await text(PHONE_URGENT, 'YES'), 'accept_offer');
  const rebooked = await call<{
    items: { appointmentId: string; source: string; status: string; slotId: string }[];
  }>('GET', '/api/v1/appointments?status=booked');
  assert.deepEqual(
    rebooked.items.map((a) => [a.slotId, a.source]),
    [[SLOT, 'waitlist']],
  );
  assert.deepEqual(
    (await messagesTo(PHONE_ROUTINE)).map((m) => [m.kind, m.state]),
    [
      ['waitlist_offer', 'sent'],
      ['waitlist_filled', 'sent'],
    ],
  );
  assert.equal(await text(PHONE_ROUTINE, 'help'), 'help');
  assert.ok(
    (await messagesTo(PHONE_ROUTINE)).some((m) => m.kind === 'help' && m.state === 'sent'),
    'HELP answered',
  );

  // The urgent patient's own sequence: a confirmation now, then STOP: every later message is held back.
  const urgentPlan = await messagesTo(PHONE_URGENT);
  assert.deepEqual(
    urgentPlan.map((m) => m.kind),
    ['waitlist_offer', 'confirmation', 'reminder_24h', 'same_day'],
  );
  await at('2026-11-01T18:00:00.000Z');
  assert.equal(await text(PHONE_URGENT, 'STOP'), 'stop');

  // Monday 10:00 and Tuesday 08:00: Dana's remaining reminders are not sent (cancelled); neither are
  // the urgent patient's (opted out). Nothing goes out during the night in between.
  await at('2026-11-02T17:00:00.000Z');
  await at('2026-11-03T15:00:00.000Z');
  const final = await outbox();
  const state = (to: string, kind: string) => final.find((m) => m.to === to && m.kind === kind);
  assert.equal(state(PHONE_DANA, 'reminder_24h')?.suppressedReason, 'appointment_cancelled');
  assert.equal(state(PHONE_DANA, 'same_day')?.suppressedReason, 'appointment_cancelled');
  assert.equal(state(PHONE_URGENT, 'reminder_24h')?.suppressedReason, 'opted_out');
  assert.equal(state(PHONE_URGENT, 'same_day')?.suppressedReason, 'opted_out');
  assert.equal(state(PHONE_URGENT, 'opt_out')?.state, 'sent');
  for (const m of final.filter((x) => x.sentAt)) {
    const hour = DateTime.fromISO(m.sentAt!, { zone: DENVER }).hour;
    if (m.kind !== 'opt_out' && m.kind !== 'help')
      assert.ok(hour >= 8 && hour < 20, `${m.kind} sent at ${local(m.sentAt!)}`);
  }
  // Dana confirmed, so no no-reply follow-up was raised for her.
  const followUps = await call<{ items: { reason: string; appointmentId: string }[] }>(
    'GET',
    '/api/v1/follow-ups',
  );
  assert.deepEqual(
    followUps.items.filter((f) => f.appointmentId === booked.appointmentId),
    [],
  );

  // Exactly once: every sent message is in the outbox once, and each purpose got each kind once.
  const sent = final.filter((m) => m.state === 'sent');
  const rows = hooks.outboxRows();
  assert.deepEqual(rows.map((r) => r.messageId).sort(), sent.map((m) => m.messageId).sort());
  assert.equal(new Set(final.map((m) => `${m.to}|${m.subjectId}|${m.kind}`)).size, final.length);

  // The bus redelivers every event and the SMS provider every webhook: nothing new is queued or sent.
  const streamsBefore = await Promise.all(final.map((m) => hooks.readStream(`message-${m.messageId}`)));
  await hooks.redeliverAll();
  for (const r of replies) await signed('/api/v1/messages/inbound', r);
  await host.settle();
  const after = await outbox();
  assert.deepEqual(after.map((m) => m.messageId).sort(), final.map((m) => m.messageId).sort());
  assert.deepEqual(
    hooks
      .outboxRows()
      .map((r) => r.messageId)
      .sort(),
    rows.map((r) => r.messageId).sort(),
  );
  const streamsAfter = await Promise.all(final.map((m) => hooks.readStream(`message-${m.messageId}`)));
  assert.deepEqual(
    streamsAfter.map((s) => s.length),
    streamsBefore.map((s) => s.length),
  );
  const slotEvents = (await hooks.readStream(`slot-${SLOT}`)).map((e) => e.type);
  assert.deepEqual(slotEvents, ['SlotOpened', 'SlotBooked', 'BookingCancelled', 'SlotHeld', 'SlotBooked']);
}
