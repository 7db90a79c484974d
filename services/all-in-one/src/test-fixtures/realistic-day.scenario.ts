// A realistic Monday for three clinics in three time zones, driven through the public HTTP API on a
// virtual clock: after-hours voicemails, a lunch closure, repeat callers, urgent phrases in
// transcripts (English and Spanish), four coordinators in three pods accepting, declining, letting
// offers lapse, failing and retrying, overflow between pods, breaches. Every step asserts what a
// supervisor would see; the run ends with a snapshot that does not depend on generated ids, so an
// interrupted run (SIGKILL and restart) can be compared with an uninterrupted one.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { signDevToken, type DevTokenClaims } from '@ringback/auth';
import type { DayHost } from './day-host';
import { E2E_SECRET, E2E_WEBHOOK_SECRET, aurora } from './all-in-one.harness';

/** Monday 2026-11-30; every time below is UTC. Denver UTC-7, New York UTC-5, Los Angeles UTC-8. */
export const DAY_START = '2026-11-30T11:00:00.000Z';
const Z = (hhmm: string, ss = '00') => `2026-11-30T${hhmm}:${ss}.000Z`;

export const clinics = {
  // Lunch closure 12:00-13:00 local (19:00-20:00 Z).
  aurora,
  boston: {
    name: 'Back Bay Cardiology',
    regionId: 'east',
    podId: 'pod-harbor',
    timezone: 'America/New_York',
    hours: { mon: [['09:00', '17:00']], tue: [['09:00', '17:00']] },
    holidays: [],
    serviceLines: ['cardiology'],
  },
  pacific: {
    name: 'Pacific Pediatrics',
    regionId: 'west',
    podId: 'pod-pacific',
    timezone: 'America/Los_Angeles',
    hours: {
      mon: [
        ['07:30', '11:30'],
        ['12:30', '16:30'],
      ],
    },
    holidays: [],
    serviceLines: ['pediatrics'],
  },
} as const;

export const coordinators = {
  ann: {
    name: 'Ann',
    podIds: ['pod-mountain'],
    languages: ['en', 'es'],
    serviceLines: [],
    schedulingAuthority: ['new_patient_visit'],
  },
  bo: { name: 'Bo', podIds: ['pod-mountain'], languages: ['en'], serviceLines: [], schedulingAuthority: [] },
  cy: {
    name: 'Cy',
    podIds: ['pod-harbor'],
    languages: ['en'],
    serviceLines: ['cardiology'],
    schedulingAuthority: [],
  },
  di: {
    name: 'Di',
    podIds: ['pod-pacific'],
    languages: ['es', 'en'],
    serviceLines: ['pediatrics'],
    schedulingAuthority: [],
  },
} as const;
type CoordinatorName = keyof typeof coordinators;

interface TaskBody {
  taskId: string;
  locationId: string;
  podId: string;
  status: string;
  tier: number;
  intent: string | null;
  callCount: number;
  sla: { targetMinutes: number; startedAt: string; dueAt: string; status: string };
  triage: { policyVersion: number; rule: string; reasons: string[] };
  handoff: { role: string; accepted: boolean } | null;
  assigneeId: string | null;
  attemptCount: number;
  nextAttemptAt?: string | null;
  retriesExhausted?: boolean;
}
interface AlertBody {
  alertId: string;
  taskId: string;
  tier: number;
  breachedAt: string;
  state: string;
  acknowledgedBy: string | null;
}
interface CoordinatorBody {
  coordinatorId: string;
  presence: string;
  offer: { offerId: string; taskId: string; expiresAt: string } | null;
  activeTaskIds: string[];
}

/** Per task: its final state, and SLA threshold events per clock version (each must be 0 or 1). */
export interface DaySnapshot {
  tasks: Record<string, Omit<TaskBody, 'taskId' | 'nextAttemptAt' | 'retriesExhausted'>>;
  slaThresholds: Record<string, Record<string, number>>;
  /** Event types of each task's stream, in order. */
  taskEvents: Record<string, string[]>;
  /** Supervisor alerts by task name and clock version: their state. */
  alerts: Record<string, string>;
  coordinators: Record<string, { presence: string; activeTasks: number; holdsOffer: boolean }>;
  taskCount: number;
}

/** Hooks a variant uses: `pause` runs between steps (the SIGKILL variant kills and restarts there). */
export interface DayHooks {
  afterStep?(step: string): Promise<void>;
  /** Reads a stream as the event store holds it (types and data), for the exactly-once checks. */
  readStream(streamId: string): Promise<{ type: string; data: Record<string, unknown> }[]>;
}

export async function runRealisticDay(host: DayHost, hooks: DayHooks): Promise<DaySnapshot> {
  let now = Date.parse(DAY_START);
  const taskIds: Record<string, string> = {};
  const token = (claims: DevTokenClaims) => signDevToken(claims, E2E_SECRET);
  const tokens = {
    admin: await token({ role: 'admin', sub: 'admin-1' }),
    supervisorWest: await token({ role: 'supervisor', sub: 'sup-west', regions: ['west'] }),
    rnEast: await token({ role: 'supervisor', sub: 'rn-kim', regions: ['east'] }),
    rnWest: await token({ role: 'supervisor', sub: 'rn-lee', regions: ['west'] }),
    ann: await token({ role: 'coordinator', sub: 'ann', pods: ['pod-mountain'] }),
    bo: await token({ role: 'coordinator', sub: 'bo', pods: ['pod-mountain'] }),
    cy: await token({ role: 'coordinator', sub: 'cy', pods: ['pod-harbor'] }),
    di: await token({ role: 'coordinator', sub: 'di', pods: ['pod-pacific'] }),
  };

  const call = async (method: string, url: string, body?: unknown, bearer = tokens.admin) => {
    const res = await fetch(`${host.url}${url}`, {
      method,
      headers: {
        authorization: `Bearer ${bearer}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as unknown) : null };
  };
  const ok = async <T>(method: string, url: string, body?: unknown, bearer?: string): Promise<T> => {
    const r = await call(method, url, body, bearer);
    assert.equal(r.status, 200, `${method} ${url}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body as T;
  };
  const webhook = async (kind: 'missed' | 'voicemail', name: string, body: Record<string, unknown>) => {
    const raw = JSON.stringify({ providerCallId: name, occurredAt: new Date(now).toISOString(), ...body });
    const ts = Math.floor(now / 1000);
    const signature = `sha256=${createHmac('sha256', E2E_WEBHOOK_SECRET).update(`${ts}.${raw}`).digest('hex')}`;
    const res = await fetch(`${host.url}/api/v1/calls/${kind}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-ringback-timestamp': String(ts),
        'x-ringback-signature': signature,
      },
      body: raw,
    });
    const answer = (await res.json()) as { taskId: string };
    assert.equal(res.status, 202, JSON.stringify(answer));
    return answer.taskId;
  };
  const task = (name: string) => ok<TaskBody>('GET', `/api/v1/tasks/${taskIds[name]}`);
  const coordinator = (who: CoordinatorName) => ok<CoordinatorBody>('GET', `/api/v1/coordinators/${who}`);
  const presence = (who: CoordinatorName, p: 'available' | 'away' | 'offline') =>
    ok<CoordinatorBody>('PUT', `/api/v1/coordinators/${who}/presence`, { presence: p }, tokens[who]);
  /** The coordinator holds an offer of exactly this task. */
  const offerOf = async (who: CoordinatorName, name: string): Promise<string> => {
    const c = await coordinator(who);
    assert.equal(
      c.offer?.taskId,
      taskIds[name],
      `${who} should hold the offer of ${name}: ${JSON.stringify(c)}`,
    );
    return c.offer!.offerId;
  };
  const act = (
    who: CoordinatorName | 'rnEast' | 'rnWest',
    name: string,
    action: string,
    body: unknown = {},
  ) => ok<TaskBody>('POST', `/api/v1/tasks/${taskIds[name]}/${action}`, body, tokens[who]);
  const accept = async (who: CoordinatorName, name: string) =>
    act(who, name, 'accept', { offerId: await offerOf(who, name) });
  const at = async (hhmm: string, ss = '00') => {
    now = Date.parse(Z(hhmm, ss));
    await host.at(new Date(now).toISOString());
  };
  const step = async (name: string, body: () => Promise<void>) => {
    await body();
    await hooks.afterStep?.(name);
  };

  await step('setup', async () => {
    await host.at(DAY_START);
    for (const [id, body] of Object.entries(clinics)) await ok('PUT', `/api/v1/admin/locations/${id}`, body);
    for (const [id, body] of Object.entries(coordinators))
      await ok('PUT', `/api/v1/admin/coordinators/${id}`, body);
    // Bad input changes nothing.
    const bad = await call('PUT', '/api/v1/admin/coordinators/zed', {
      name: 'Zed',
      podIds: [],
      languages: ['en'],
    });
    assert.equal(bad.status, 400);
    assert.equal((await call('GET', '/api/v1/coordinators/zed')).status, 404);
    assert.equal(
      (await call('PUT', '/api/v1/coordinators/ann/presence', { presence: 'available' }, tokens.bo)).status,
      403,
    );
    assert.equal(
      (await call('PUT', '/api/v1/coordinators/ann/presence', { presence: 'busy' }, tokens.ann)).status,
      400,
    );
    await host.settle();
  });

  await step('07:10 New York: after-hours voicemail with chest pain', async () => {
    await at('12:10');
    taskIds['bos-vm-1'] = await webhook('voicemail', 'bos-vm-1', {
      locationId: 'boston',
      from: '+1 617 555 0201',
      callerName: 'Sam Okafor',
      intent: 'reschedule',
      transcript: "Hi, I need to move my appointment, and I've had chest pain since last night.",
    });
    await host.settle();
    const t = await task('bos-vm-1');
    assert.equal(t.tier, 1, 'a symptom phrase wins over the stated intent');
    assert.equal(t.triage.rule, 'phrase:chest pain');
    assert.deepEqual(t.handoff, { role: 'RN', accepted: false });
    assert.equal(t.sla.startedAt, Z('12:10'));
    assert.equal(t.sla.dueAt, Z('12:25'), 'Tier 1 counts wall-clock minutes, also after hours');
    assert.equal(t.status, 'open');
  });

  await step(
    '07:30 New York: nobody on call, the Tier 1 clock breaches; the supervisor is alerted',
    async () => {
      await at('12:30');
      const t = await task('bos-vm-1');
      assert.equal(t.sla.status, 'breached');
      assert.equal(t.status, 'open');
      const east = await ok<{ items: AlertBody[] }>(
        'GET',
        '/api/v1/alerts?state=active',
        undefined,
        tokens.rnEast,
      );
      assert.equal(east.items.length, 1);
      const alert = east.items[0]!;
      assert.equal(alert.taskId, taskIds['bos-vm-1']);
      assert.equal(alert.tier, 1);
      assert.equal(alert.breachedAt, Z('12:25'));
      const west = await ok<{ items: AlertBody[] }>(
        'GET',
        '/api/v1/alerts',
        undefined,
        tokens.supervisorWest,
      );
      assert.deepEqual(west.items, [], 'another region sees none');
      const url = `/api/v1/alerts/${alert.alertId}/acknowledge`;
      assert.equal((await call('POST', url, {}, tokens.cy)).status, 403, 'coordinators do not acknowledge');
      // Contract: an out-of-scope write is 403 (reads are 404).
      assert.equal((await call('POST', url, {}, tokens.supervisorWest)).status, 403, 'out of scope');
      assert.equal((await call('POST', url, { note: 7 }, tokens.rnEast)).status, 400);
      assert.equal(
        (await call('POST', `/api/v1/alerts/${taskIds['bos-vm-1']}:9/acknowledge`, {}, tokens.rnEast)).status,
        404,
      );
      const acked = await ok<AlertBody>('POST', url, { note: 'paging the on-call nurse' }, tokens.rnEast);
      assert.equal(acked.state, 'acknowledged');
      assert.equal(acked.acknowledgedBy, 'rn-kim');
    },
  );

  await step('06:30 Denver: after-hours voicemail and missed call', async () => {
    await at('13:30');
    taskIds['aur-vm-1'] = await webhook('voicemail', 'aur-vm-1', {
      locationId: 'aurora',
      from: '+1 303 555 0111',
      intent: 'reschedule',
      transcript: 'I need to reschedule my Thursday visit please.',
    });
    await at('13:40');
    taskIds['aur-mc-1'] = await webhook('missed', 'aur-mc-1', {
      locationId: 'aurora',
      from: '+1 303 555 0101',
      callerName: 'Dana Reyes',
      intent: 'new_patient',
    });
    await host.settle();
    const vm = await task('aur-vm-1');
    assert.equal(vm.tier, 3);
    assert.equal(vm.sla.startedAt, Z('15:00'), 'a clock that starts while closed starts at the next opening');
    assert.equal(vm.sla.dueAt, Z('16:00'));
    const mc = await task('aur-mc-1');
    assert.equal(mc.tier, 2);
    assert.equal(mc.sla.dueAt, Z('15:15'));
  });

  await step('09:00 New York: Cy signs in, takes the urgent call and hands it to the nurse', async () => {
    await at('14:00');
    await presence('cy', 'available');
    await host.settle();
    const assigned = await accept('cy', 'bos-vm-1');
    assert.equal(assigned.status, 'assigned');
    assert.equal(assigned.assigneeId, 'cy');
    await host.settle();
    assert.equal((await coordinator('cy')).presence, 'busy');
    await act('cy', 'bos-vm-1', 'escalate', { role: 'RN', reason: 'reports chest pain since last night' });
    await at('14:03');
    const handed = await act('rnEast', 'bos-vm-1', 'handoff/accept');
    assert.deepEqual(handed.handoff, { role: 'RN', accepted: true });
    assert.equal(handed.sla.status, 'breached', 'the handoff came after the 15 minutes');
    await act('cy', 'bos-vm-1', 'resolve', { resolution: 'handled_clinically' });
    await host.settle();
    assert.equal((await coordinator('cy')).presence, 'wrap_up');
  });

  await step('09:05 New York: a referral; Cy declines it', async () => {
    await at('14:05');
    taskIds['bos-mc-1'] = await webhook('missed', 'bos-mc-1', {
      locationId: 'boston',
      from: '+1 617 555 0202',
      intent: 'referral',
    });
    await host.settle();
    const t = await task('bos-mc-1');
    assert.equal(t.tier, 2);
    assert.equal(t.sla.dueAt, Z('14:20'));
    // Cy's wrap-up ended; the referral is offered to Cy, who declines.
    assert.equal((await coordinator('cy')).presence, 'available');
    const offerId = await offerOf('cy', 'bos-mc-1');
    const declined = await act('cy', 'bos-mc-1', 'decline', {
      offerId,
      reason: 'needs the referral coordinator',
    });
    assert.equal(declined.status, 'open');
    await host.settle();
    assert.equal((await coordinator('cy')).offer, null, 'not offered the task it declined again');
  });

  await step('09:21 New York: the referral breaches, nobody else is in', async () => {
    await at('14:21');
    const t = await task('bos-mc-1');
    assert.equal(t.sla.status, 'breached');
    assert.equal(t.status, 'open');
  });

  await step('08:00 Denver: Ann and Bo sign in; the breached referral overflows to Ann', async () => {
    await at('15:00');
    await presence('ann', 'available');
    await presence('bo', 'available');
    await host.settle();
    // Priority: the breached referral (bumped, may overflow) first, then the Tier 2 new patient.
    await offerOf('ann', 'bos-mc-1');
    await offerOf('bo', 'aur-mc-1');
    const overflowed = await accept('ann', 'bos-mc-1');
    assert.equal(overflowed.assigneeId, 'ann', 'an overflow coordinator works a task outside its pods');
    await act('ann', 'bos-mc-1', 'attempts', {
      outcome: 'reached_booked',
      notes: 'booked cardiology consult',
    });
    await act('ann', 'bos-mc-1', 'resolve', { resolution: 'booked' });
    await accept('bo', 'aur-mc-1');
    const missed = await act('bo', 'aur-mc-1', 'attempts', { outcome: 'no_answer' });
    assert.equal(missed.status, 'open', 'the retry goes back to the queue');
    assert.equal(missed.nextAttemptAt, Z('15:15'));
    await host.settle();
  });

  await step('08:01 Denver: the voicemail is offered to Ann, who lets it lapse', async () => {
    await at('15:01');
    await offerOf('ann', 'aur-vm-1');
  });

  await step('08:02 Denver: Dana calls again; the lapsed offer goes to Bo', async () => {
    await at('15:02');
    const again = await webhook('missed', 'aur-mc-2', {
      locationId: 'aurora',
      from: '(303) 555-0101',
      callerName: 'Dana Reyes',
      intent: 'new_patient',
    });
    assert.equal(again, taskIds['aur-mc-1'], 'a repeat call joins the open task');
    await host.settle();
    assert.equal((await task('aur-mc-1')).callCount, 2);
    assert.equal((await coordinator('ann')).offer, null);
    await accept('bo', 'aur-vm-1');
    await act('bo', 'aur-vm-1', 'attempts', { outcome: 'reached_resolved' });
    const done = await act('bo', 'aur-vm-1', 'resolve', { resolution: 'resolved' });
    assert.equal(done.sla.status, 'met');
    await host.settle();
  });

  await step('08:15 Denver: the retry is due and goes to Ann; voicemail again', async () => {
    await at('15:15');
    const t = await task('aur-mc-1');
    assert.equal(t.sla.status, 'breached', 'no contact within 15 business minutes');
    await accept('ann', 'aur-mc-1');
    const second = await act('ann', 'aur-mc-1', 'attempts', { outcome: 'voicemail_left' });
    assert.equal(second.nextAttemptAt, Z('17:15'), 'second failure: +2 h');
    await host.settle();
  });

  await step(
    '08:00 Los Angeles: a Spanish-speaking new patient; nobody in the pod, Ann speaks Spanish',
    async () => {
      await at('16:00');
      taskIds['pac-mc-1'] = await webhook('missed', 'pac-mc-1', {
        locationId: 'pacific',
        from: '+1 213 555 0301',
        callerName: 'Lucía Gómez',
        intent: 'new_patient',
        language: 'es',
      });
      await host.settle();
      assert.equal((await coordinator('bo')).offer, null, 'Bo does not speak Spanish');
      await accept('ann', 'pac-mc-1');
      await act('ann', 'pac-mc-1', 'attempts', { outcome: 'reached_booked' });
      const booked = await act('ann', 'pac-mc-1', 'resolve', { resolution: 'booked' });
      assert.equal(booked.sla.status, 'met');
      assert.equal(booked.sla.dueAt, Z('16:15'));
    },
  );

  await step('08:10 Los Angeles: Di signs in', async () => {
    await at('16:10');
    await presence('di', 'available');
    await host.settle();
  });

  await step(
    '08:20 Los Angeles: a baby with a high fever, in Spanish; Di hands it to the nurse',
    async () => {
      await at('16:20');
      taskIds['pac-vm-1'] = await webhook('voicemail', 'pac-vm-1', {
        locationId: 'pacific',
        from: '+1 213 555 0302',
        language: 'es',
        transcript: 'Hola, mi bebé tiene fiebre muy alta desde anoche.',
      });
      await host.settle();
      const t = await task('pac-vm-1');
      assert.equal(t.tier, 1);
      assert.equal(t.sla.targetMinutes, 10, 'pediatrics: Tier 1 in 10 minutes');
      assert.equal(t.sla.dueAt, Z('16:30'));
      await accept('di', 'pac-vm-1');
      await act('di', 'pac-vm-1', 'escalate', { role: 'RN', reason: 'infant fever reported' });
      await at('16:24');
      const handed = await act('rnWest', 'pac-vm-1', 'handoff/accept');
      assert.equal(handed.sla.status, 'met');
      await act('di', 'pac-vm-1', 'resolve', { resolution: 'handled_clinically' });
      await host.settle();
    },
  );

  await step('10:15 Denver: the third try fails; the task closes as unreachable', async () => {
    await at('17:15');
    // Bo has been available the longest (since 08:15); Ann since 09:10.
    await accept('bo', 'aur-mc-1');
    const third = await act('bo', 'aur-mc-1', 'attempts', { outcome: 'busy' });
    assert.equal(third.retriesExhausted, true);
    assert.equal(third.status, 'unreachable');
    await host.settle();
  });

  await step('11:45 Denver: lunch; 11:50 a new patient calls', async () => {
    await at('18:45');
    await presence('ann', 'away');
    await presence('bo', 'away');
    await at('18:50');
    taskIds['aur-mc-3'] = await webhook('missed', 'aur-mc-3', {
      locationId: 'aurora',
      from: '+1 303 555 0104',
      intent: 'new_patient',
    });
    await host.settle();
    const t = await task('aur-mc-3');
    assert.equal(t.sla.dueAt, Z('20:05'), '10 minutes before lunch, 5 after');
    // Other pods lack the service line: nobody is offered it before the skills relax on breach.
    for (const who of ['cy', 'di'] as const) assert.equal((await coordinator(who)).offer, null);
  });

  await step('12:30 Denver: the clock stands still over lunch', async () => {
    await at('19:30');
    assert.equal((await task('aur-mc-3')).sla.status, 'on_track');
  });

  await step('13:00 Denver: back from lunch, Ann books the new patient in time', async () => {
    await at('20:00');
    await presence('ann', 'available');
    await host.settle();
    await accept('ann', 'aur-mc-3');
    await at('20:02');
    assert.equal((await task('aur-mc-3')).sla.status, 'at_risk');
    await at('20:03');
    await act('ann', 'aur-mc-3', 'attempts', { outcome: 'reached_booked' });
    const booked = await act('ann', 'aur-mc-3', 'resolve', { resolution: 'booked' });
    assert.equal(booked.sla.status, 'met');
  });

  await step('end of day', async () => {
    await at('23:30');
    for (const who of Object.keys(coordinators) as CoordinatorName[]) {
      const c = await coordinator(who);
      if (c.presence === 'available' || c.presence === 'away') await presence(who, 'offline');
    }
    await host.settle();
  });

  return snapshot(taskIds, ok, hooks);
}

async function snapshot(
  taskIds: Record<string, string>,
  ok: <T>(method: string, url: string) => Promise<T>,
  hooks: DayHooks,
): Promise<DaySnapshot> {
  const byId = new Map(Object.entries(taskIds).map(([name, id]) => [id, name]));
  const list = await ok<{ items: TaskBody[] }>('GET', '/api/v1/tasks');
  const tasks: DaySnapshot['tasks'] = {};
  const slaThresholds: DaySnapshot['slaThresholds'] = {};
  const taskEvents: DaySnapshot['taskEvents'] = {};
  for (const t of list.items) {
    const name = byId.get(t.taskId) ?? `unknown:${t.taskId}`;
    const { taskId: _id, ...rest } = t;
    tasks[name] = rest;
    const counts: Record<string, number> = {};
    for (const e of await hooks.readStream(`sla-${t.taskId}`)) {
      if (e.type !== 'SlaAtRiskReached' && e.type !== 'SlaBreached') continue;
      const key = `${e.type}@${String(e.data['clockVersion'])}`;
      counts[key] = (counts[key] ?? 0) + 1;
    }
    slaThresholds[name] = counts;
    taskEvents[name] = (await hooks.readStream(`task-${t.taskId}`)).map((e) => e.type);
  }
  const alertList = await ok<{ items: (AlertBody & { clockVersion: number })[] }>('GET', '/api/v1/alerts');
  const alerts: DaySnapshot['alerts'] = {};
  for (const a of alertList.items) alerts[`${byId.get(a.taskId) ?? a.taskId}@${a.clockVersion}`] = a.state;
  const people = await ok<{ items: (CoordinatorBody & { coordinatorId: string })[] }>(
    'GET',
    '/api/v1/coordinators',
  );
  const coordinatorsOut: DaySnapshot['coordinators'] = {};
  for (const c of people.items)
    coordinatorsOut[c.coordinatorId] = {
      presence: c.presence,
      activeTasks: c.activeTaskIds.length,
      holdsOffer: c.offer !== null,
    };
  return {
    tasks,
    slaThresholds,
    taskEvents,
    alerts,
    coordinators: coordinatorsOut,
    taskCount: list.items.length,
  };
}

/** What every run of the day must end with, however it was interrupted. */
export function assertDayOutcome(s: DaySnapshot): void {
  assert.equal(s.taskCount, 7, `no lost and no duplicate task: ${Object.keys(s.tasks).join(', ')}`);
  const expect: Record<
    string,
    { status: string; tier: number; sla: string; assignee: string | null; callCount?: number }
  > = {
    'bos-vm-1': { status: 'resolved', tier: 1, sla: 'breached', assignee: 'cy' },
    'bos-mc-1': { status: 'resolved', tier: 2, sla: 'breached', assignee: 'ann' },
    'aur-vm-1': { status: 'resolved', tier: 3, sla: 'met', assignee: 'bo' },
    'aur-mc-1': { status: 'unreachable', tier: 2, sla: 'breached', assignee: null, callCount: 2 },
    'pac-mc-1': { status: 'resolved', tier: 2, sla: 'met', assignee: 'ann' },
    'pac-vm-1': { status: 'resolved', tier: 1, sla: 'met', assignee: 'di' },
    'aur-mc-3': { status: 'resolved', tier: 2, sla: 'met', assignee: 'ann' },
  };
  for (const [name, e] of Object.entries(expect)) {
    const t = s.tasks[name];
    assert.ok(t, `task ${name} exists`);
    assert.equal(t.status, e.status, `${name} status`);
    assert.equal(t.tier, e.tier, `${name} tier`);
    assert.equal(t.sla.status, e.sla, `${name} sla`);
    assert.equal(t.assigneeId, e.assignee, `${name} assignee`);
    assert.equal(t.callCount, e.callCount ?? 1, `${name} callCount`);
  }
  assert.equal(s.tasks['aur-mc-1']!.attemptCount, 3);
  for (const [name, types] of Object.entries(s.taskEvents))
    assert.equal(types.filter((t) => t === 'TaskOpened').length, 1, `${name} opened once`);
  assert.deepEqual(s.taskEvents['aur-mc-1'], [
    'TaskOpened',
    'TaskOffered',
    'OfferAccepted',
    'CallbackAttemptRecorded',
    'TaskRequeued',
    'CallJoinedTask',
    'TaskOffered',
    'OfferAccepted',
    'CallbackAttemptRecorded',
    'TaskRequeued',
    'TaskOffered',
    'OfferAccepted',
    'CallbackAttemptRecorded',
    'TaskMarkedUnreachable',
  ]);
  // Every threshold fired once: breaches exactly where the clock ran out, at-risk before each.
  assert.deepEqual(s.slaThresholds['bos-vm-1'], { 'SlaAtRiskReached@1': 1, 'SlaBreached@1': 1 });
  assert.deepEqual(s.slaThresholds['bos-mc-1'], { 'SlaAtRiskReached@1': 1, 'SlaBreached@1': 1 });
  assert.deepEqual(s.slaThresholds['aur-mc-1'], { 'SlaAtRiskReached@1': 1, 'SlaBreached@1': 1 });
  assert.deepEqual(s.slaThresholds['aur-mc-3'], { 'SlaAtRiskReached@1': 1 });
  for (const name of ['aur-vm-1', 'pac-mc-1', 'pac-vm-1']) assert.deepEqual(s.slaThresholds[name], {}, name);
  // One alert per breach: acknowledged by a supervisor, or cleared when the task was handled.
  assert.deepEqual(s.alerts, {
    'bos-vm-1@1': 'acknowledged',
    'bos-mc-1@1': 'cleared',
    'aur-mc-1@1': 'cleared',
  });
  for (const [id, c] of Object.entries(s.coordinators)) {
    assert.equal(c.holdsOffer, false, `${id} holds no offer at the end`);
    assert.equal(c.activeTasks, 0, `${id} works no task at the end`);
  }
}
