import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { signDevToken, type DevTokenClaims } from '@ringback/auth';
import { PHI_REDACTED, isPhiCiphertext, topicForCategory } from '@ringback/contracts';
import { VirtualClock } from '@ringback/kernel';
import { PhiEncryptingBus, PhiEncryptingEventStore, PhiRetentionService } from '@ringback/phi';
import {
  E2E_SECRET,
  E2E_WEBHOOK_SECRET,
  aurora,
  configureLocations,
  inboundContact,
  startRingback,
  type RunningRingback,
} from './test-fixtures/all-in-one.harness';
import { settleRingback } from './test-fixtures/day-host';

// Monday 30 November 2026 at Aurora (Denver, UTC-7).
const at = (hhmm: string, day = '30') =>
  `2026-11-${day}T${String(Number(hhmm.slice(0, 2)) + 7).padStart(2, '0')}:${hhmm.slice(3)}:00.000Z`;
const MONDAY = 'from=2026-11-30T00:00:00-07:00&to=2026-12-01T00:00:00-07:00';

const ROSALIND = { name: 'Rosalind Okafor', phone: '+13035550177', digits: '3035550177' };
const TOBIAS = { name: 'Tobias Wren', phone: '+13035550188', digits: '3035550188' };
const ROSALIND_WORDS = 'my chest hurts when I climb the stairs';
const ROSALIND_NOTE = 'spoke with the daughter of Rosalind about the stairs';

describe('protected health information: encrypted per patient, crypto-shredded, audited', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'ringback-phi-'));
  const clock = new VirtualClock(at('08:55'));
  let rb: RunningRingback;
  const tokens = {} as Record<'admin' | 'ann' | 'sup' | 'staff', string>;
  const token = (claims: DevTokenClaims) => signDevToken(claims, E2E_SECRET);
  const settle = () => settleRingback(rb.service, rb.adapters);
  const request = (
    method: string,
    url: string,
    tk: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) =>
    fetch(`${rb.service.url}${url}`, {
      method,
      headers: {
        authorization: `Bearer ${tk}`,
        ...headers,
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
  const start = async () => {
    rb = await startRingback(dataDir, {
      clock,
      env: { ROUTING_INTERVAL_MS: '0', SLA_TIMER_INTERVAL_MS: '0', PHI_RETENTION_INTERVAL_MS: '0' },
    });
  };
  const rawStore = () => (rb.adapters.eventStore as PhiEncryptingEventStore).inner;
  const kpis = async () =>
    ok<Record<string, unknown>>(await request('GET', `/api/v1/reports/kpis?${MONDAY}`, tokens.admin));
  const kpiCsv = async () =>
    ok<string>(await request('GET', `/api/v1/reports/kpis?${MONDAY}&format=csv`, tokens.admin));
  const contact = async (taskId: string) =>
    ok<{ callerName: string; callerPhone: string; contacts: { transcript: string | null }[] }>(
      await request('GET', `/api/v1/tasks/${taskId}/contact`, tokens.sup),
    );
  let rosalindTask = '';
  let tobiasTask = '';
  let kpisBefore: Record<string, unknown> = {};
  let csvBefore = '';

  before(async () => {
    await start();
    tokens.admin = await token({ sub: 'root', role: 'admin' });
    tokens.ann = await token({ sub: 'ann', role: 'coordinator', pods: ['pod-mountain'] });
    tokens.sup = await token({ sub: 'sue', role: 'supervisor', regions: ['west'] });
    tokens.staff = await token({ sub: 'stan', role: 'clinic_staff', locations: ['aurora'] });
    await configureLocations(rb, tokens.admin, { aurora });
    await settle();
    clock.set(at('09:00'));
    rosalindTask = await webhook('voicemail', {
      providerCallId: 'CA-R1',
      from: '+1 303 555 0177',
      callerName: ROSALIND.name,
      intent: 'returning_patient',
      transcript: ROSALIND_WORDS,
    });
    clock.set(at('09:02'));
    tobiasTask = await webhook('voicemail', {
      providerCallId: 'CA-T1',
      from: '+1 303 555 0188',
      callerName: TOBIAS.name,
      intent: 'billing',
      transcript: 'a question about my bill',
    });
    clock.set(at('09:10'));
    await ok(await request('POST', `/api/v1/tasks/${rosalindTask}/claim`, tokens.ann, {}));
    await ok(
      await request('POST', `/api/v1/tasks/${rosalindTask}/attempts`, tokens.ann, {
        outcome: 'reached_resolved',
        notes: ROSALIND_NOTE,
      }),
    );
    await ok(
      await request('POST', `/api/v1/tasks/${rosalindTask}/resolve`, tokens.ann, { resolution: 'resolved' }),
    );
    await settle();
    kpisBefore = await kpis();
    csvBefore = await kpiCsv();
  });

  after(async () => {
    await rb?.service.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('stores and publishes only ciphertext for names, numbers, transcripts and notes', async () => {
    const raw = await rawStore().readAll();
    const opened = raw.find(
      (r) =>
        r.envelope.type === 'TaskOpened' && (r.envelope.data as { taskId: string }).taskId === rosalindTask,
    );
    const d = opened!.envelope.data as Record<string, unknown>;
    for (const f of ['callerPhone', 'callerName', 'transcript']) assert.ok(isPhiCiphertext(d[f]), f);
    const rawJson = JSON.stringify(raw.map((r) => r.envelope.data));
    for (const secret of [
      ROSALIND.name,
      ROSALIND_WORDS,
      ROSALIND_NOTE,
      TOBIAS.name,
      `"${ROSALIND.phone}"`,
      `"${TOBIAS.phone}"`,
    ])
      assert.ok(!rawJson.includes(secret), `event payloads in the store hold ${secret}`);
    // The same on the bus: a fresh consumer on the inner (wire) bus sees ciphertext.
    const wire: string[] = [];
    const consumer = await (rb.adapters.bus as PhiEncryptingBus).inner.consume({
      groupId: 'phi-wire-check',
      topics: [topicForCategory('task'), topicForCategory('call')],
      handler: async (m) => {
        wire.push(JSON.stringify(m.envelope.data));
      },
    });
    await consumer.whenCaughtUp();
    await consumer.stop();
    assert.ok(wire.some((w) => w.includes('phi1.')));
    for (const w of wire)
      for (const secret of [ROSALIND.name, ROSALIND_WORDS, `"${ROSALIND.phone}"`])
        assert.ok(!w.includes(secret));
    // Nor in the key file, whose data keys are wrapped by the master key.
    const keyFile = readFileSync(path.join(dataDir, 'phi-keys.sqlite')).toString('latin1');
    assert.ok(!keyFile.includes(ROSALIND.digits) && !keyFile.includes(ROSALIND.name));
  });

  it('shows PHI to those allowed, and records every read in the audit log (API and CSV)', async () => {
    const c = await contact(rosalindTask);
    assert.equal(c.callerName, ROSALIND.name);
    assert.equal(c.callerPhone, ROSALIND.phone);
    assert.equal(c.contacts[0]!.transcript, ROSALIND_WORDS);
    await ok(
      await request('GET', '/api/v1/outbox', tokens.staff, undefined, { 'x-forwarded-for': '203.0.113.9' }),
    );
    const log = await ok<{
      items: {
        actor: { userId: string; role: string };
        resource: string;
        taskId: string | null;
        sourceIp: string | null;
        accessedAt: string;
        path: string;
      }[];
    }>(await request('GET', `/api/v1/admin/audit/phi-access?${MONDAY}`, tokens.admin));
    const read = log.items.find((i) => i.resource === 'task_contact' && i.taskId === rosalindTask);
    assert.ok(read, JSON.stringify(log.items));
    assert.equal(read.actor.userId, 'sue');
    assert.equal(read.actor.role, 'supervisor');
    assert.equal(read.accessedAt, new Date(clock.now()).toISOString());
    assert.equal(read.path, `/api/v1/tasks/${rosalindTask}/contact`);
    assert.ok(read.sourceIp);
    const outbox = log.items.find((i) => i.resource === 'outbox');
    assert.equal(outbox?.actor.userId, 'stan');
    assert.equal(outbox?.sourceIp, '203.0.113.9');
    // A refused read is not a read of PHI: nothing recorded for it.
    await ok(await request('GET', `/api/v1/tasks/${rosalindTask}/contact`, tokens.staff), 403);
    const csv = await ok<string>(
      await request('GET', `/api/v1/admin/audit/phi-access?${MONDAY}&format=csv`, tokens.admin),
    );
    const lines = csv.trim().split('\n');
    assert.match(lines[0]!, /^accessed_at,user_id,role,resource,resource_id,task_id/);
    assert.equal(lines.length, 1 + log.items.length);
    assert.ok(lines.some((l) => l.includes(`sue,supervisor,task_contact,${rosalindTask},${rosalindTask}`)));
    // The audit log is admin-only and validated.
    await ok(await request('GET', `/api/v1/admin/audit/phi-access?${MONDAY}`, tokens.sup), 403);
    await ok(await request('GET', '/api/v1/admin/audit/phi-access?from=yesterday', tokens.admin), 400);
  });

  it('erase request: admin only, validated, and recorded as an event', async () => {
    await ok(
      await request('POST', '/api/v1/admin/erasures', tokens.sup, {
        phone: ROSALIND.phone,
        reason: 'patient_request',
      }),
      403,
    );
    await ok(
      await request('POST', '/api/v1/admin/erasures', tokens.admin, { reason: 'patient_request' }),
      400,
    );
    await ok(
      await request('POST', '/api/v1/admin/erasures', tokens.admin, {
        phone: '303',
        reason: 'patient_request',
      }),
      400,
    );
    await ok(
      await request('POST', '/api/v1/admin/erasures', tokens.admin, {
        taskId: 'no-such-task',
        reason: 'patient_request',
      }),
      404,
    );
    const done = await ok<{ erasureId: string; keysDestroyed: number }>(
      await request('POST', '/api/v1/admin/erasures', tokens.admin, {
        phone: ROSALIND.phone,
        reason: 'patient_request',
        reference: 'ticket 4711',
      }),
      201,
    );
    assert.ok(done.keysDestroyed >= 2, 'the contact key and a content key');
    await settle();
    const events = await rb.adapters.eventStore.readAll({ categories: ['phi_erasure'] });
    assert.equal(events.length, 1);
    assert.equal(events[0]!.envelope.type, 'PatientDataErased');
    assert.doesNotMatch(JSON.stringify(events[0]!.envelope), new RegExp(ROSALIND.digits));
  });

  it('after the erasure the PHI reads as erased in the store, in read models, and in exports, while the KPIs stay', async () => {
    const read = await rb.adapters.eventStore.readAll({ categories: ['task', 'call'] });
    const mine = read.filter(
      (r) =>
        JSON.stringify(r.envelope.data).includes(rosalindTask) ||
        r.envelope.streamId.includes(ROSALIND.digits),
    );
    assert.ok(mine.length > 3);
    const text = JSON.stringify(mine.map((r) => r.envelope.data));
    for (const secret of [ROSALIND.name, ROSALIND_WORDS, ROSALIND_NOTE, `"${ROSALIND.phone}"`])
      assert.ok(!text.includes(secret), secret);
    assert.ok(text.includes(PHI_REDACTED));
    // Read models, rebuilt at once by the erasure.
    const c = await contact(rosalindTask);
    assert.equal(c.callerName, PHI_REDACTED);
    assert.equal(c.callerPhone, PHI_REDACTED);
    assert.equal(c.contacts[0]!.transcript, PHI_REDACTED);
    const task = await ok<Record<string, unknown>>(
      await request('GET', `/api/v1/tasks/${rosalindTask}`, tokens.sup),
    );
    assert.equal(task['status'], 'resolved');
    // The other patient is untouched.
    assert.equal((await contact(tobiasTask)).callerName, TOBIAS.name);
    // Exports and KPIs are identical.
    assert.deepEqual(await kpis(), kpisBefore);
    const csv = await kpiCsv();
    assert.equal(csv, csvBefore);
    assert.ok(!csv.includes(ROSALIND.name) && !csv.includes(ROSALIND.digits));
  });

  it('stays erased when every read model is rebuilt from the store after a restart', async () => {
    await rb.service.close();
    await start();
    await settle();
    const c = await contact(rosalindTask);
    assert.equal(c.callerName, PHI_REDACTED);
    assert.equal(c.contacts[0]!.transcript, PHI_REDACTED);
    assert.equal((await contact(tobiasTask)).contacts[0]!.transcript, 'a question about my bill');
    assert.deepEqual(await kpis(), kpisBefore);
    assert.equal(await kpiCsv(), csvBefore);
    // A new call of the erased patient is recorded, under a fresh key, and readable.
    clock.set(at('10:00'));
    const again = await webhook('voicemail', {
      providerCallId: 'CA-R2',
      from: '+1 303 555 0177',
      callerName: ROSALIND.name,
      transcript: 'calling again',
    });
    assert.equal((await contact(again)).callerName, ROSALIND.name);
    kpisBefore = await kpis();
  });

  it('retention destroys old transcripts and notes by key deletion, keeps contact details, and records it', async () => {
    const retention = rb.service.app.get(PhiRetentionService, { strict: false });
    // Tobias's Tier 3 callback breached at 10:02; a supervisor acknowledges the alert with a note, which
    // is content of Monday and a copy of it lives in the alerts read model.
    clock.set(at('11:00', '30'));
    await settle();
    type Alerts = { items: { alertId: string; taskId: string; note: string | null }[] };
    const alertsNow = async () => ok<Alerts>(await request('GET', '/api/v1/alerts', tokens.sup));
    const alert = (await alertsNow()).items.find((a) => a.taskId === tobiasTask);
    assert.ok(alert, 'the breach raised an alert');
    await ok(
      await request('POST', `/api/v1/alerts/${alert.alertId}/acknowledge`, tokens.sup, {
        note: 'left him a message about the bill',
      }),
    );
    await settle();
    const noteNow = async () => (await alertsNow()).items.find((a) => a.alertId === alert.alertId)?.note;
    assert.equal(await noteNow(), 'left him a message about the bill');
    assert.equal(await retention.runOnce(30), null, 'nothing older than 30 days');
    // Forty days later a 30-day retention shreds Monday's content keys.
    clock.set(new Date(Date.parse(at('10:00')) + 40 * 86_400_000).toISOString());
    await settle();
    // KPIs move with time (SLA clocks breach); what retention must not change is measured from here.
    kpisBefore = await kpis();
    const applied = await retention.runOnce(30);
    assert.ok(applied && applied.keysDestroyed >= 1);
    await settle();
    const recorded = await rb.adapters.eventStore.readAll({ categories: ['phi_retention'] });
    assert.equal(recorded.length, 1);
    assert.equal(recorded[0]!.envelope.type, 'PhiRetentionApplied');
    // The run rebuilt the read models: the content is gone from them now, not at the next restart.
    assert.equal(await noteNow(), PHI_REDACTED);
    const now = await contact(tobiasTask);
    assert.equal(now.contacts[0]!.transcript, PHI_REDACTED);
    assert.equal(now.callerName, TOBIAS.name, 'contact details are not content');
    assert.deepEqual(await kpis(), kpisBefore);
    // And it stays so when they are rebuilt from the store at a restart.
    await rb.service.close();
    await start();
    await settle();
    const t = await contact(tobiasTask);
    assert.equal(t.contacts[0]!.transcript, PHI_REDACTED);
    assert.equal(t.callerName, TOBIAS.name, 'contact details are not content');
    assert.equal(t.callerPhone, TOBIAS.phone);
    assert.equal(await noteNow(), PHI_REDACTED);
    assert.deepEqual(await kpis(), kpisBefore);
  });

  it('erasure also redacts a patient’s events recorded before encryption (plaintext in the store)', async () => {
    const legacy = inboundContact(
      {
        taskId: 'legacy-task-1',
        providerCallId: 'CA-LEGACY-1',
        from: '+13035550199',
        callerName: 'Wilhelmina Ostrova',
        transcript: 'recorded before encryption',
      },
      new Date(clock.now()).toISOString(),
    );
    await rawStore().appendToStream(legacy.streamId, [legacy], { expectedRevision: 'any' });
    await settle();
    const before = (await rb.adapters.eventStore.readStream(legacy.streamId))[0]!.envelope.data as Record<
      string,
      unknown
    >;
    assert.equal(before['callerName'], 'Wilhelmina Ostrova', 'plaintext of before reads as it is');
    assert.equal((await contact('legacy-task-1')).callerName, 'Wilhelmina Ostrova');
    await ok(
      await request('POST', '/api/v1/admin/erasures', tokens.admin, {
        phone: '+13035550199',
        reason: 'patient_request',
      }),
      201,
    );
    const after = (await rb.adapters.eventStore.readStream(legacy.streamId))[0]!.envelope.data as Record<
      string,
      unknown
    >;
    assert.equal(after['callerName'], PHI_REDACTED);
    assert.equal(after['from'], PHI_REDACTED);
    assert.equal(after['transcript'], PHI_REDACTED);
    const c = await contact('legacy-task-1');
    assert.equal(c.callerName, PHI_REDACTED);
    assert.equal(c.callerPhone, PHI_REDACTED);
  });
});
