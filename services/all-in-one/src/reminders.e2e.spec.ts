import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { signDevToken, twilioSignature, type DevTokenClaims } from '@ringback/auth';
import { VirtualClock } from '@ringback/kernel';
import {
  E2E_SECRET,
  aurora,
  configureLocations,
  startRingback,
  type RunningRingback,
} from './test-fixtures/all-in-one.harness';
import { settleRingback } from './test-fixtures/day-host';
import { configureScheduling, drLeeTuesday as tue, patient } from './test-fixtures/scheduling.fixture';

const TWILIO_TOKEN = 'reminders-e2e-twilio-auth-token';
const PUBLIC_BASE_URL = 'https://ringback.example.org';
// Friday 27 November 2026, 10:00 in Denver: the Tuesday appointments are four days out.
const FRIDAY_10 = '2026-11-27T17:00:00.000Z';

interface FollowUp {
  followUpId: string;
  appointmentId: string;
  reason: string;
  state: string;
  dueAt: string;
}
interface OutboxItem {
  messageId: string;
  kind: string;
  state: string;
  to: string;
  subjectId: string;
  delivery: string | null;
}

describe('reminders over the all-in-one process: follow-ups, high-risk outreach, Twilio webhooks, outbox access', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'ringback-reminders-'));
  const clock = new VirtualClock(FRIDAY_10);
  let rb: RunningRingback;
  const tokens = {} as Record<'admin' | 'ann' | 'desk' | 'supervisor' | 'east', string>;
  const token = (claims: DevTokenClaims) => signDevToken(claims, E2E_SECRET);
  const request = async (method: string, url: string, tk: string, body?: unknown) =>
    fetch(`${rb.service.url}${url}`, {
      method,
      headers: {
        authorization: `Bearer ${tk}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const json = async <T>(res: Response, status = 200): Promise<T> => {
    const text = await res.text();
    assert.equal(res.status, status, text);
    return JSON.parse(text) as T;
  };
  const settle = () => settleRingback(rb.service, rb.adapters);
  const at = async (iso: string) => {
    clock.set(iso);
    await settle();
  };
  const book = async (slot: string, ref: string, over: Record<string, unknown> = {}) =>
    json<{ appointmentId: string }>(
      await request('POST', '/api/v1/appointments', tokens.ann, {
        slotId: slot,
        appointmentTypeId: 'new-visit',
        patient: patient(ref, over),
      }),
      201,
    );
  const followUps = async (appointmentId: string) =>
    (await json<{ items: FollowUp[] }>(await request('GET', '/api/v1/follow-ups', tokens.desk))).items.filter(
      (f) => f.appointmentId === appointmentId,
    );
  const outbox = async () =>
    (await json<{ items: OutboxItem[] }>(await request('GET', '/api/v1/outbox?limit=500', tokens.supervisor)))
      .items;
  const twilioPost = (pathAndQuery: string, params: Record<string, string>, signature?: string) =>
    fetch(`${rb.service.url}${pathAndQuery}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature':
          signature ?? twilioSignature(TWILIO_TOKEN, `${PUBLIC_BASE_URL}${pathAndQuery}`, params),
      },
      body: new URLSearchParams(params).toString(),
    });

  before(async () => {
    rb = await startRingback(dataDir, {
      clock,
      env: {
        ROUTING_INTERVAL_MS: '0',
        SLA_TIMER_INTERVAL_MS: '0',
        SCHEDULING_INTERVAL_MS: '0',
        MESSAGES_INTERVAL_MS: '0',
        TWILIO_AUTH_TOKEN: TWILIO_TOKEN,
        PUBLIC_BASE_URL,
      },
    });
    tokens.admin = await token({ sub: 'root', role: 'admin' });
    tokens.ann = await token({ sub: 'ann', role: 'coordinator', pods: ['pod-mountain'] });
    tokens.desk = await token({ sub: 'desk-aurora', role: 'clinic_staff', locations: ['aurora'] });
    tokens.supervisor = await token({ sub: 'sue', role: 'supervisor', regions: ['west'] });
    tokens.east = await token({ sub: 'eve', role: 'supervisor', regions: ['east'] });
    await configureLocations(rb, tokens.admin, { aurora });
    await configureScheduling(rb.service.url, tokens.admin);
    await settle();
  });

  after(async () => {
    await rb?.service.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('an unanswered 24 h reminder becomes a front-desk follow-up; a high-risk patient gets outreach instead of the 48 h reminder', async () => {
    const quiet = await book(tue('09:00'), 'mrn-quiet', { phone: '+13035550404', language: 'en' });
    const risky = await book(tue('09:30'), 'mrn-risky', {
      phone: '+13035550505',
      language: 'en',
      priorNoShows: 2,
    });
    await settle();
    const kinds = async (to: string) =>
      (await outbox())
        .filter((m) => m.to === to)
        .map((m) => m.kind)
        .sort();
    assert.deepEqual(await kinds('+13035550404'), [
      'confirmation',
      'reminder_24h',
      'reminder_48h',
      'same_day',
    ]);
    assert.deepEqual(await kinds('+13035550505'), ['confirmation', 'reminder_24h', 'same_day']);
    // Sunday 09:30 (48 h ahead): the risky patient's outreach is due; the quiet one gets a reminder.
    await at('2026-11-29T16:30:00.000Z');
    assert.deepEqual(
      (await followUps(risky.appointmentId)).map((f) => [f.reason, f.state]),
      [['high_risk_outreach', 'open']],
    );
    // Monday 09:00, the 24 h reminder; 13:00 nobody answered: a no-reply follow-up, once.
    await at('2026-11-30T16:00:00.000Z');
    assert.deepEqual(await followUps(quiet.appointmentId), []);
    await at('2026-11-30T20:00:00.000Z');
    await at('2026-11-30T20:30:00.000Z');
    const [noReply] = await followUps(quiet.appointmentId);
    assert.deepEqual([noReply?.reason, noReply?.state], ['no_reply', 'open']);
    assert.equal((await followUps(quiet.appointmentId)).length, 1);
    // The front desk handles it; outside the scope it is a 403, an unknown one a 404.
    await json(
      await request('POST', `/api/v1/follow-ups/${noReply!.followUpId}/complete`, tokens.east, {}),
      403,
    );
    await json(await request('POST', '/api/v1/follow-ups/nope/complete', tokens.desk, {}), 404);
    const done = await json<FollowUp>(
      await request('POST', `/api/v1/follow-ups/${noReply!.followUpId}/complete`, tokens.desk, {
        note: 'called, confirmed',
      }),
    );
    assert.equal(done.state, 'done');
  });

  it('takes SMS through Twilio’s signed webhook and records Twilio’s delivery reports', async () => {
    const confirmation = (await outbox()).find((m) => m.to === '+13035550404' && m.kind === 'confirmation')!;
    const params = { MessageSid: 'SMtw1', From: '+13035550404', To: '+13035550000', Body: 'STOP' };
    const refused = await twilioPost('/api/v1/messages/twilio/inbound', params, 'bm90IGEgc2lnbmF0dXJl');
    assert.equal(refused.status, 401);
    const res = await twilioPost('/api/v1/messages/twilio/inbound', params);
    assert.equal(res.status, 200, await res.clone().text());
    assert.match(await res.text(), /<Response\/>/);
    await settle();
    assert.ok(
      (await outbox()).some((m) => m.to === '+13035550404' && m.kind === 'opt_out' && m.state === 'sent'),
    );
    const query = `?messageId=${confirmation.messageId}`;
    const status = await twilioPost(`/api/v1/messages/twilio/status${query}`, {
      MessageSid: 'SM-outbox',
      MessageStatus: 'delivered',
    });
    assert.equal(status.status, 200);
    await settle();
    assert.equal((await outbox()).find((m) => m.messageId === confirmation.messageId)?.delivery, 'delivered');
    const unknown = await twilioPost('/api/v1/messages/twilio/status?messageId=nope', {
      MessageSid: 'SMx',
      MessageStatus: 'delivered',
    });
    assert.equal(unknown.status, 404);
  });

  it('shows the outbox (with the PHI it holds) to supervisors, clinic staff and admins in scope only', async () => {
    assert.equal((await request('GET', '/api/v1/outbox', tokens.ann)).status, 403);
    assert.deepEqual(
      (await json<{ items: unknown[] }>(await request('GET', '/api/v1/outbox', tokens.east))).items,
      [],
    );
    const res = await request('GET', '/api/v1/outbox?state=sent', tokens.desk);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const items = (await json<{ items: OutboxItem[] }>(res)).items;
    assert.ok(items.length > 0 && items.every((m) => m.state === 'sent'));
    assert.equal((await request('GET', '/api/v1/outbox?state=lost', tokens.desk)).status, 400);
  });
});
