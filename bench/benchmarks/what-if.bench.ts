// 7. What-if staffing simulator: a week of a 20-clinic health system (4 pods, 4 time zones, about 7,000
// callback tasks) imported as a historical call log through the real import API, then replayed under a
// staffing plan by POST /api/v1/reports/simulations on the running system: the whole replay (reading
// the week's facts from the event store, the virtual-time run through triage, SLA calendars, routing
// and retries, the KPIs) must take under a minute. Baseline: the plain KPI report of the same week
// from the same process (read models only), so the ratio is what a what-if costs beyond a report.
import { RingbackProcess, configureLocations, token } from '../lib/ringback';
import type { Benchmark, ResultRow } from '../lib/types';

const POD_ZONES = {
  'pod-east': 'America/New_York',
  'pod-central': 'America/Chicago',
  'pod-mountain': 'America/Denver',
  'pod-pacific': 'America/Los_Angeles',
} as const;
const REGION_OF: Record<keyof typeof POD_ZONES, string> = {
  'pod-east': 'east',
  'pod-central': 'central',
  'pod-mountain': 'west',
  'pod-pacific': 'west',
};
const WEEK = { from: '2026-11-16T00:00:00.000Z', to: '2026-11-23T00:00:00.000Z' };
const INTENTS = [
  'new_patient',
  'referral',
  'returning_patient',
  'billing',
  'records',
  'reschedule',
  'urgent_symptom',
];
const WEIGHTS = [0.15, 0.08, 0.1, 0.25, 0.15, 0.22, 0.05];

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

const weekdays = (open: string[][]) =>
  Object.fromEntries(
    ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, ['sat', 'sun'].includes(d) ? [] : open]),
  );

/** 20 clinics, five per pod, open 08:00-17:00 local on weekdays. */
function clinics(): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [pod, zone] of Object.entries(POD_ZONES))
    for (let i = 1; i <= 5; i++)
      out[`${pod.slice(4)}-${i}`] = {
        name: `What-if ${pod} clinic ${i}`,
        regionId: REGION_OF[pod as keyof typeof POD_ZONES],
        podId: pod,
        timezone: zone,
        hours: weekdays([['08:00', '17:00']]),
        holidays: [],
        serviceLines: [],
      };
  return out;
}

/**
 * The week's call log: per clinic, about 14 calls an hour while open (45 % missed) and 2 an hour in
 * the evening and at weekends (all missed); historical callbacks 20-180 minutes after the call.
 */
function callLog(
  ids: string[],
  zoneOf: (id: string) => string,
): { csv: string; rows: number; missed: number } {
  const r = mulberry32(20261116);
  const lines = ['call_id,location_id,started_at,outcome,intent,first_callback_at,reached_at,booked'];
  let missed = 0;
  const from = Date.parse(WEEK.from);
  const to = Date.parse(WEEK.to);
  for (const id of ids) {
    let t = from;
    let n = 0;
    for (;;) {
      const local = new Date(t).toLocaleString('en-US', {
        timeZone: zoneOf(id),
        hour12: false,
        weekday: 'short',
        hour: '2-digit',
      });
      const [day, hourText] = local.split(' ');
      const hour = Number(hourText) % 24;
      const open = !['Sat', 'Sun'].includes(day!.replace(',', '')) && hour >= 8 && hour < 17;
      const rate = open ? 14 : hour >= 7 && hour < 21 ? 2 : 0.3;
      t += Math.round((-Math.log(1 - r()) / rate) * 3_600_000);
      if (t >= to) break;
      n += 1;
      const isMissed = !open || r() < 0.45;
      let roll = r();
      const intent = INTENTS[WEIGHTS.findIndex((w) => (roll -= w) < 0)] ?? 'billing';
      const at = new Date(t).toISOString();
      if (!isMissed) {
        lines.push(`${id}-${n},${id},${at},answered,${intent},,,no`);
        continue;
      }
      missed += 1;
      const callback = t + Math.round((20 + r() * 160) * 60_000);
      const reached = r() < 0.7;
      lines.push(
        `${id}-${n},${id},${at},${r() < 0.3 ? 'voicemail' : 'missed'},${intent},${new Date(callback).toISOString()},${reached ? new Date(callback).toISOString() : ''},${reached && r() < 0.4 ? 'yes' : 'no'}`,
      );
    }
  }
  return { csv: `${lines.join('\n')}\n`, rows: lines.length - 1, missed };
}

/** Five coordinators per pod on weekdays 08:00-17:00 local, four over lunch, one in the evening. */
function plan() {
  const hours = Array.from({ length: 24 }, (_, h) =>
    h >= 8 && h < 17 ? (h === 12 ? 4 : 5) : h >= 17 && h < 20 ? 1 : 0,
  );
  return Object.keys(POD_ZONES).map((podId) => ({ podId, weekdays: [1, 2, 3, 4, 5], hours }));
}

export const whatIfBenchmark: Benchmark = {
  name: 'what-if',
  title: 'What-if simulator: a week of a 20-clinic system replayed under a staffing plan',
  budgetSeconds: 30,
  async run(ctx) {
    ctx.progress(0, 'starting the system');
    const rb = await RingbackProcess.start({ topology: 'embedded' });
    const rows: ResultRow[] = [];
    try {
      const locations = clinics();
      await configureLocations(rb.url, locations);
      const zones = Object.fromEntries(
        Object.entries(locations).map(([id, l]) => [id, String(l['timezone'])]),
      );
      const log = callLog(Object.keys(locations), (id) => zones[id]!);
      const admin = await token({ role: 'admin', sub: 'bench-admin' });
      ctx.progress(0.1, `importing ${log.rows.toLocaleString('en-US')} calls of the week`);
      const imported = await fetch(`${rb.url}/api/v1/admin/imports/call-logs?fileName=what-if-week.csv`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'text/csv' },
        body: log.csv,
      });
      if (imported.status !== 201) throw new Error(`import: ${imported.status} ${await imported.text()}`);
      ctx.detail('import', await imported.json());
      await rb.stop();
      const again = await RingbackProcess.start({ topology: 'embedded', dataDir: rb.options.dataDir });
      try {
        // Baseline: the plain KPI report of the same week, from the same process (its read models).
        ctx.progress(0.45, 'baseline: the KPI report of the week');
        await fetch(`${again.url}/api/v1/reports/kpis?${new URLSearchParams(WEEK)}`, {
          headers: { authorization: `Bearer ${admin}` },
        });
        const kpiStarted = performance.now();
        const kpis = await fetch(`${again.url}/api/v1/reports/kpis?${new URLSearchParams(WEEK)}`, {
          headers: { authorization: `Bearer ${admin}` },
        });
        const kpiSeconds = (performance.now() - kpiStarted) / 1000;
        if (kpis.status !== 200) throw new Error(`kpis: ${kpis.status}`);
        ctx.progress(0.5, 'replaying the week');
        const started = performance.now();
        const res = await fetch(`${again.url}/api/v1/reports/simulations`, {
          method: 'POST',
          headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
          body: JSON.stringify({ ...WEEK, staffing: { kind: 'plan', rows: plan() } }),
        });
        const seconds = (performance.now() - started) / 1000;
        const answer = (await res.json()) as {
          actual: { tasks: number; slaAttainment: { overall: number | null } };
          projected: { slaAttainment: { overall: number | null }; sameDayCompletionRate: number | null };
          work: { sessions: { drawn: number } };
        };
        if (res.status !== 200) throw new Error(`simulation: ${res.status} ${JSON.stringify(answer)}`);
        ctx.detail('answer', answer);
        ctx.log(
          `what-if: ${answer.actual.tasks} tasks in ${seconds.toFixed(1)} s; projected SLA ${answer.projected.slaAttainment.overall}`,
        );
        rows.push({
          benchmark: 'what-if',
          metric: `20 clinics, one week (${answer.actual.tasks.toLocaleString('en-US')} tasks, ${answer.work.sessions.drawn.toLocaleString('en-US')} callbacks), replay seconds`,
          goal: { kind: 'max', value: 60, unit: 's' },
          measured: Math.round(seconds * 10) / 10,
          unit: 's',
          baseline: {
            label: 'GET /api/v1/reports/kpis of the same week (read models, no replay)',
            value: Math.round(kpiSeconds * 1000) / 1000,
            unit: 's',
          },
          note: 'through POST /api/v1/reports/simulations on a running embedded system: load from the event store, replay, KPIs',
        });
      } finally {
        await again.stop();
      }
    } finally {
      await rb.stop();
    }
    ctx.progress(1, 'done');
    return rows;
  },
};
