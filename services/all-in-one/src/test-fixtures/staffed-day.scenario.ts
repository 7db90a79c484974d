// A staffed Monday recorded by the real system, for the what-if simulator's acceptance: three clinics
// in two pods, about 150 calls (Poisson arrivals, a realistic intent mix, some in Spanish, some before
// opening), five coordinators working shifts through the public API on a virtual clock: they accept
// offers after a while, call back for a few minutes, reach about two callers in three, escalate
// urgent symptoms to a nurse who accepts a few minutes later. Seeded: the same day every run.
import { createHmac } from 'node:crypto';
import { signDevToken } from '@ringback/auth';
import type { DayHost } from './day-host';
import { E2E_SECRET, E2E_WEBHOOK_SECRET } from './all-in-one.harness';

export const STAFFED_DAY = { from: '2026-11-30T12:00:00.000Z', to: '2026-12-01T00:00:00.000Z' };
/** The run ends (and the record with it) after every shift is over. */
export const STAFFED_DAY_END = '2026-12-01T02:00:00.000Z';

const weekday = (intervals: string[][]) =>
  Object.fromEntries(
    ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [
      d,
      ['sat', 'sun'].includes(d) ? [] : intervals,
    ]),
  );

export const STAFFED_CLINICS = {
  den: {
    name: 'Denver Family Practice',
    regionId: 'west',
    podId: 'pod-mountain',
    timezone: 'America/Denver',
    hours: weekday([['08:00', '17:00']]),
    holidays: [],
    serviceLines: [],
  },
  phx: {
    name: 'Phoenix Internal Medicine',
    regionId: 'west',
    podId: 'pod-mountain',
    timezone: 'America/Phoenix',
    hours: weekday([['08:00', '16:00']]),
    holidays: [],
    serviceLines: [],
  },
  bos: {
    name: 'Boston Primary Care',
    regionId: 'east',
    podId: 'pod-harbor',
    timezone: 'America/New_York',
    hours: weekday([
      ['09:00', '12:00'],
      ['13:00', '17:00'],
    ]),
    holidays: [],
    serviceLines: [],
  },
} as const;
type Clinic = keyof typeof STAFFED_CLINICS;

/** Shifts in UTC (Denver and Phoenix are UTC-7 on that day, New York UTC-5). */
export const STAFFED_COORDINATORS = {
  m1: { podIds: ['pod-mountain'], languages: ['en', 'es'], shift: ['15:00', '23:00'] },
  m2: { podIds: ['pod-mountain'], languages: ['en'], shift: ['17:00', '24:00'] },
  m3: { podIds: ['pod-mountain'], languages: ['en'], shift: ['19:00', '22:00'] },
  h1: { podIds: ['pod-harbor'], languages: ['en'], shift: ['14:00', '22:00'] },
  h2: { podIds: ['pod-harbor'], languages: ['en'], shift: ['16:00', '20:00'] },
} as const;
type Who = keyof typeof STAFFED_COORDINATORS;

/** Calls per hour while open, per clinic; one an hour before opening. */
const RATES: Record<Clinic, { open: number; openUtc: [number, number][] }> = {
  den: { open: 7, openUtc: [[15, 24]] },
  phx: { open: 4, openUtc: [[15, 23]] },
  bos: {
    open: 6,
    openUtc: [
      [14, 17],
      [18, 22],
    ],
  },
};
const INTENTS: [string, number][] = [
  ['urgent_symptom', 0.05],
  ['new_patient', 0.15],
  ['referral', 0.08],
  ['returning_patient', 0.1],
  ['billing', 0.25],
  ['records', 0.15],
  ['reschedule', 0.22],
];

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const DAY0 = Date.parse('2026-11-30T00:00:00.000Z');
const utc = (hhmm: string) => {
  const [h, m] = hhmm.split(':').map(Number);
  return DAY0 + (h! * 60 + m!) * 60_000;
};
const MIN = 60_000;

interface Call {
  at: number;
  clinic: Clinic;
  intent: string;
  language: string | null;
  n: number;
}

/** The day's calls: Poisson arrivals per clinic, by the hour's rate. */
export function staffedDayCalls(seed = 20261130): Call[] {
  const r = mulberry32(seed);
  const calls: Call[] = [];
  let n = 0;
  for (const clinic of Object.keys(RATES) as Clinic[]) {
    const { open, openUtc } = RATES[clinic];
    let t = utc('12:00');
    const end = utc('24:00');
    for (;;) {
      const hour = new Date(t).getUTCHours() + (t >= DAY0 + 24 * 3_600_000 ? 24 : 0);
      const rate = openUtc.some(([a, b]) => hour >= a && hour < b) ? open : 1;
      t += Math.round((-Math.log(1 - r()) / rate) * 3_600_000);
      if (t >= end) break;
      let roll = r();
      const intent = INTENTS.find(([, p]) => (roll -= p) < 0)?.[0] ?? 'billing';
      const language = clinic !== 'bos' && r() < 0.1 ? 'es' : null;
      calls.push({ at: t, clinic, intent, language, n: n++ });
    }
  }
  return calls.sort((a, b) => a.at - b.at || a.n - b.n);
}

interface CoordinatorView {
  coordinatorId: string;
  presence: string;
  offer: { offerId: string; taskId: string } | null;
}
interface TaskView {
  taskId: string;
  tier: number;
  status: string;
  sla: { dueAt: string };
  nextAttemptAt?: string | null;
}

type Plan =
  | { kind: 'accept'; who: Who; taskId: string; offerId: string }
  | { kind: 'attempt'; who: Who; taskId: string; reached: boolean }
  | { kind: 'escalate'; who: Who; taskId: string }
  | { kind: 'handoff'; taskId: string }
  | { kind: 'resolve'; who: Who; taskId: string };

/**
 * Runs the staffed day against `host` and returns how many calls it placed. Every step moves the
 * virtual clock to the next instant anything is due (a call, a person's next action, a shift change,
 * a retry, a wrap-up's end, an SLA due time) and lets the system settle there.
 */
export async function runStaffedDay(host: DayHost, seed = 7): Promise<{ calls: number }> {
  const r = mulberry32(seed);
  const tokens = {
    admin: await signDevToken({ role: 'admin', sub: 'admin-1' }, E2E_SECRET),
    nurse: await signDevToken({ role: 'supervisor', sub: 'rn-1', regions: ['west', 'east'] }, E2E_SECRET),
    ...(Object.fromEntries(
      await Promise.all(
        Object.entries(STAFFED_COORDINATORS).map(async ([who, c]) => [
          who,
          await signDevToken({ role: 'coordinator', sub: who, pods: [...c.podIds] }, E2E_SECRET),
        ]),
      ),
    ) as Record<Who, string>),
  };
  const api = async <T>(method: string, url: string, body: unknown, bearer: string): Promise<T> => {
    const res = await fetch(`${host.url}${url}`, {
      method,
      headers: {
        authorization: `Bearer ${bearer}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${url}: ${res.status} ${text}`);
    return (text ? JSON.parse(text) : null) as T;
  };

  let now = utc('12:00');
  await host.at(new Date(now).toISOString());
  for (const [id, body] of Object.entries(STAFFED_CLINICS))
    await api('PUT', `/api/v1/admin/locations/${id}`, body, tokens.admin);
  for (const [id, c] of Object.entries(STAFFED_COORDINATORS))
    await api(
      'PUT',
      `/api/v1/admin/coordinators/${id}`,
      { name: id, podIds: c.podIds, languages: c.languages, serviceLines: [], schedulingAuthority: [] },
      tokens.admin,
    );

  const calls = staffedDayCalls();
  const wakeUps = new Set<number>();
  const plans: { at: number; plan: Plan }[] = [];
  const wake = (at: number) => {
    if (at > now) wakeUps.add(at);
  };
  const schedule = (at: number, plan: Plan) => {
    plans.push({ at, plan });
    wake(at);
  };
  for (const c of Object.values(STAFFED_COORDINATORS)) c.shift.forEach((s) => wake(utc(s)));
  calls.forEach((c) => wake(c.at));
  const busy = new Set<Who>();
  const seenOffers = new Set<string>();
  const wrapUpMs = 60_000;
  let nextCall = 0;

  const webhook = async (call: Call) => {
    const raw = JSON.stringify({
      providerCallId: `staffed-${call.n}`,
      locationId: call.clinic,
      from: `+1303555${String(1000 + call.n).padStart(4, '0')}`,
      occurredAt: new Date(call.at).toISOString(),
      intent: call.intent,
      ...(call.language ? { language: call.language } : {}),
    });
    const ts = Math.floor(now / 1000);
    const signature = `sha256=${createHmac('sha256', E2E_WEBHOOK_SECRET).update(`${ts}.${raw}`).digest('hex')}`;
    const res = await fetch(`${host.url}/api/v1/calls/missed`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-ringback-timestamp': String(ts),
        'x-ringback-signature': signature,
      },
      body: raw,
    });
    const body = (await res.json()) as { taskId: string };
    if (res.status !== 202) throw new Error(`webhook: ${res.status} ${JSON.stringify(body)}`);
    return body.taskId;
  };

  const end = Date.parse(STAFFED_DAY_END);
  const signedIn = new Set<Who>();
  let offers = new Map<Who, CoordinatorView['offer']>();
  let steps = 0;
  while (now < end) {
    const next = Math.min(end, ...wakeUps);
    wakeUps.delete(next);
    now = next;
    steps += 1;
    // Moving the clock settles the system: timers fire, routing offers what it can.
    await host.at(new Date(now).toISOString());
    let acted = false;

    // Calls due now.
    const opened: string[] = [];
    while (nextCall < calls.length && calls[nextCall]!.at <= now)
      opened.push(await webhook(calls[nextCall++]!));
    acted ||= opened.length > 0;

    // People act on what is due now.
    const due = plans.filter((p) => p.at <= now);
    for (const p of due) plans.splice(plans.indexOf(p), 1);
    acted ||= due.length > 0;
    for (const { plan } of due) {
      if (plan.kind === 'accept') {
        const t = await api<TaskView>(
          'POST',
          `/api/v1/tasks/${plan.taskId}/accept`,
          { offerId: plan.offerId },
          tokens[plan.who],
        );
        if (t.tier === 1) schedule(now + Math.round(20_000 + r() * 40_000), { ...plan, kind: 'escalate' });
        else
          schedule(now + Math.round((3 + r() * 6) * MIN), {
            kind: 'attempt',
            who: plan.who,
            taskId: plan.taskId,
            reached: r() < 0.65,
          });
      } else if (plan.kind === 'attempt') {
        const t = await api<TaskView>(
          'POST',
          `/api/v1/tasks/${plan.taskId}/attempts`,
          { outcome: plan.reached ? 'reached_resolved' : 'no_answer' },
          tokens[plan.who],
        );
        if (plan.reached)
          await api(
            'POST',
            `/api/v1/tasks/${plan.taskId}/resolve`,
            { resolution: 'resolved' },
            tokens[plan.who],
          );
        if (t.nextAttemptAt) wake(Date.parse(t.nextAttemptAt));
        busy.delete(plan.who);
        wake(now + wrapUpMs);
      } else if (plan.kind === 'escalate') {
        await api(
          'POST',
          `/api/v1/tasks/${plan.taskId}/escalate`,
          { role: 'RN', reason: 'caller reports symptoms' },
          tokens[plan.who],
        );
        const accepted = now + Math.round((2 + r() * 7) * MIN);
        schedule(accepted, { kind: 'handoff', taskId: plan.taskId });
        schedule(Math.max(accepted + 30_000, now + Math.round((2 + r() * 3) * MIN)), {
          kind: 'resolve',
          who: plan.who,
          taskId: plan.taskId,
        });
      } else if (plan.kind === 'handoff') {
        await api('POST', `/api/v1/tasks/${plan.taskId}/handoff/accept`, {}, tokens.nurse);
      } else if (plan.kind === 'resolve') {
        await api(
          'POST',
          `/api/v1/tasks/${plan.taskId}/resolve`,
          { resolution: 'handled_clinically' },
          tokens[plan.who],
        );
        busy.delete(plan.who);
        wake(now + wrapUpMs);
      }
    }

    // Shifts: sign in at the start; sign out at the end once the hands are free.
    let overtime = false;
    for (const [who, c] of Object.entries(STAFFED_COORDINATORS) as [
      Who,
      (typeof STAFFED_COORDINATORS)[Who],
    ][]) {
      const [start, stop] = c.shift.map(utc) as [number, number];
      if (now >= start && now < stop && !signedIn.has(who)) {
        await api('PUT', `/api/v1/coordinators/${who}/presence`, { presence: 'available' }, tokens[who]);
        signedIn.add(who);
        acted = true;
      } else if (now >= stop && signedIn.has(who)) {
        if (busy.has(who) || offers.get(who)) overtime = true;
        else {
          await api('PUT', `/api/v1/coordinators/${who}/presence`, { presence: 'offline' }, tokens[who]);
          signedIn.delete(who);
          acted = true;
        }
      }
    }
    // Somebody works past the end of their shift: look again shortly.
    if (overtime) wake(now + 2 * MIN);
    if (acted) await host.settle();

    for (const id of opened) {
      const t = await api<TaskView>('GET', `/api/v1/tasks/${id}`, undefined, tokens.admin);
      wake(Date.parse(t.sla.dueAt));
    }
    // Offers made while settling: each is accepted after a while.
    const list = await api<{ items: CoordinatorView[] }>(
      'GET',
      '/api/v1/coordinators',
      undefined,
      tokens.admin,
    );
    offers = new Map(list.items.map((v) => [v.coordinatorId as Who, v.offer]));
    for (const view of list.items) {
      const who = view.coordinatorId as Who;
      if (!view.offer || seenOffers.has(view.offer.offerId)) continue;
      seenOffers.add(view.offer.offerId);
      busy.add(who);
      schedule(now + Math.round(10_000 + r() * 40_000), {
        kind: 'accept',
        who,
        taskId: view.offer.taskId,
        offerId: view.offer.offerId,
      });
    }
  }
  if (process.env['STAFFED_DAY_TRACE']) process.stderr.write(`staffed day: ${steps} steps\n`);
  return { calls: calls.length };
}
