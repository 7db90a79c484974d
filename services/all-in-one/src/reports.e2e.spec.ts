import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { signDevToken, type DevTokenClaims } from '@ringback/auth';
import { VirtualClock } from '@ringback/kernel';
import {
  E2E_SECRET,
  E2E_WEBHOOK_SECRET,
  aurora,
  boston,
  configureLocations,
  startRingback,
  type RunningRingback,
} from './test-fixtures/all-in-one.harness';
import { settleRingback } from './test-fixtures/day-host';

// Monday 30 November 2026 at Aurora (Denver, UTC-7); the report covers Monday, local time.
const at = (hhmm: string) =>
  `2026-11-30T${String(Number(hhmm.slice(0, 2)) + 7).padStart(2, '0')}:${hhmm.slice(3)}:00.000Z`;
const MONDAY = 'from=2026-11-30T00:00:00-07:00&to=2026-12-01T00:00:00-07:00';

describe('reports over the all-in-one process: KPIs by event time from a hand-computed morning', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'ringback-reports-'));
  const clock = new VirtualClock(at('08:55'));
  let rb: RunningRingback;
  const tokens = {} as Record<'admin' | 'ann' | 'harbor' | 'east', string>;
  const token = (claims: DevTokenClaims) => signDevToken(claims, E2E_SECRET);
  const settle = () => settleRingback(rb.service, rb.adapters);
  const moveTo = async (hhmm: string) => {
    clock.set(at(hhmm));
    await settle();
  };
  const request = (method: string, url: string, tk: string, body?: unknown) =>
    fetch(`${rb.service.url}${url}`, {
      method,
      headers: {
        authorization: `Bearer ${tk}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const ok = async <T>(res: Response, status = 200): Promise<T> => {
    const text = await res.text();
    assert.equal(res.status, status, text);
    return (res.headers.get('content-type') ?? '').includes('json') ? (JSON.parse(text) as T) : (text as T);
  };
  const webhook = async (kind: string, body: Record<string, unknown>) => {
    const raw = JSON.stringify({
      locationId: 'aurora',
      occurredAt: new Date(clock.now()).toISOString(),
      ...body,
    });
    const ts = Math.floor(clock.now() / 1000);
    const res = await fetch(`${rb.service.url}/api/v1/calls/${kind}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-ringback-timestamp': String(ts),
        'x-ringback-signature': `sha256=${createHmac('sha256', E2E_WEBHOOK_SECRET).update(`${ts}.${raw}`).digest('hex')}`,
      },
      body: raw,
    });
    const answer = (await res.json()) as { taskId?: string };
    assert.equal(res.status, 202, JSON.stringify(answer));
    await settle();
    return answer.taskId ?? '';
  };
  const act = async (taskId: string, action: string, body: unknown = {}) =>
    ok(await request('POST', `/api/v1/tasks/${taskId}/${action}`, tokens.ann, body));

  before(async () => {
    rb = await startRingback(dataDir, {
      clock,
      env: { ROUTING_INTERVAL_MS: '0', SLA_TIMER_INTERVAL_MS: '0' },
    });
    tokens.admin = await token({ sub: 'root', role: 'admin' });
    tokens.ann = await token({ sub: 'ann', role: 'coordinator', pods: ['pod-mountain'] });
    tokens.harbor = await token({ sub: 'hal', role: 'coordinator', pods: ['pod-harbor'] });
    tokens.east = await token({ sub: 'eve', role: 'supervisor', regions: ['east'] });
    await configureLocations(rb, tokens.admin, { aurora, boston });
    await settle();

    // 09:00 a new patient misses the desk (Tier 2, due 09:15); Ann reaches her at 09:05 and books.
    await moveTo('09:00');
    const newPatient = await webhook('missed', {
      providerCallId: 'CA1',
      from: '+1 303 555 0101',
      intent: 'new_patient',
    });
    await moveTo('09:05');
    await act(newPatient, 'claim');
    await act(newPatient, 'attempts', { outcome: 'reached_booked' });
    await act(newPatient, 'resolve', { resolution: 'booked' });
    // 09:10 a records voicemail (Tier 3, due 10:10); 09:20 a call answered live.
    await moveTo('09:10');
    const records = await webhook('voicemail', {
      providerCallId: 'CA2',
      from: '+1 303 555 0102',
      intent: 'records',
      transcript: 'I need my records sent over.',
    });
    await moveTo('09:20');
    await webhook('answered', { providerCallId: 'CA3', from: '+1 303 555 0103' });
    // 09:30 no answer; the clock breaches at 10:10; 11:30 reached and resolved.
    await moveTo('09:30');
    await act(records, 'claim');
    await act(records, 'attempts', { outcome: 'no_answer' });
    await moveTo('10:11');
    await moveTo('11:30');
    await act(records, 'claim');
    await act(records, 'attempts', { outcome: 'reached_resolved' });
    await act(records, 'resolve', { resolution: 'resolved' });
    await settle();
  });

  after(async () => {
    await rb?.service.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers the KPIs worked out by hand', async () => {
    const k = await ok<Record<string, unknown>>(
      await request('GET', `/api/v1/reports/kpis?${MONDAY}&locationId=aurora`, tokens.ann),
    );
    assert.deepEqual(
      {
        totalInbound: k['totalInbound'],
        missedCalls: k['missedCalls'],
        missedCallRate: k['missedCallRate'],
        callbacksCompleted: k['callbacksCompleted'],
        sameDayCompletionRate: k['sameDayCompletionRate'],
        callsNotReturnedSameDay: k['callsNotReturnedSameDay'],
        medianMinutesToFirstAttempt: k['medianMinutesToFirstAttempt'],
        slaAttainment: k['slaAttainment'],
        callbackToBookingConversion: k['callbackToBookingConversion'],
        voicemailAbandonment: k['voicemailAbandonment'],
        escalationCompliance: k['escalationCompliance'],
        reworkRate: k['reworkRate'],
        noShowRate: k['noShowRate'],
      },
      {
        totalInbound: 3, // CA1, CA2, CA3
        missedCalls: 2, // the missed call and the voicemail
        missedCallRate: 2 / 3, // 2 of 3 calls not answered live
        callbacksCompleted: 2,
        sameDayCompletionRate: 1, // both resolved on Monday
        callsNotReturnedSameDay: 0,
        medianMinutesToFirstAttempt: 12.5, // 5 (09:00 -> 09:05) and 20 (09:10 -> 09:30)
        slaAttainment: { tier1: null, tier2: 1, tier3: 0 }, // met at 09:05; breached at 10:10
        callbackToBookingConversion: 1 / 2, // one booked of the two reached
        voicemailAbandonment: 0, // the voicemail was reached
        escalationCompliance: null, // no Tier 1 call
        reworkRate: 0,
        noShowRate: { callbackBooked: null, otherBooked: null },
      },
    );
  });

  it('slices by tier and intent, buckets by local hour, maps demand, and exports CSV', async () => {
    const tier3 = await ok<{ totalInbound: number; slaAttainment: { tier3: number } }>(
      await request('GET', `/api/v1/reports/kpis?${MONDAY}&tier=3`, tokens.ann),
    );
    assert.equal(tier3.totalInbound, 1);
    assert.equal(tier3.slaAttainment.tier3, 0);
    const hourly = await ok<{ points: { bucket: string; value: number }[] }>(
      await request(
        'GET',
        `/api/v1/reports/timeseries?${MONDAY}&metric=inbound&bucket=hour&locationId=aurora`,
        tokens.ann,
      ),
    );
    assert.deepEqual(
      hourly.points.map((p) => [p.bucket, p.value]),
      [['2026-11-30T09', 3]],
    );
    const heat = await ok<{ grid: number[][] }>(
      await request('GET', `/api/v1/reports/heatmap?${MONDAY}&locationId=aurora`, tokens.ann),
    );
    assert.equal(heat.grid[0]![9], 3);
    assert.equal(
      heat.grid.flat().reduce((a, b) => a + b, 0),
      3,
    );
    const csv = await request(
      'GET',
      `/api/v1/reports/kpis?${MONDAY}&locationId=aurora&format=csv`,
      tokens.ann,
    );
    assert.match(csv.headers.get('content-type') ?? '', /text\/csv/);
    const text = await csv.text();
    assert.match(text, /^metric,value\n/);
    assert.match(text, /\ntotalInbound,3\n/);
    assert.match(text, /\nslaAttainment\.tier3,0\n/);
  });

  it('keeps to the caller’s scope and refuses bad queries', async () => {
    await ok(await request('GET', `/api/v1/reports/kpis?${MONDAY}&locationId=aurora`, tokens.harbor), 404);
    const east = await ok<{ totalInbound: number }>(
      await request('GET', `/api/v1/reports/kpis?${MONDAY}`, tokens.east),
    );
    assert.equal(east.totalInbound, 0);
    await ok(
      await request(
        'GET',
        '/api/v1/reports/kpis?from=2026-12-01T00:00:00Z&to=2026-11-30T00:00:00Z',
        tokens.ann,
      ),
      400,
    );
    await ok(await request('GET', `/api/v1/reports/timeseries?${MONDAY}&metric=vibes`, tokens.ann), 400);
    await ok(await request('GET', '/api/v1/reports/kpis', tokens.ann), 400);
  });
});
