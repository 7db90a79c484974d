import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { signDevToken } from '@ringback/auth';
import { loadConfig } from '@ringback/config';

// `npm run -s simulate -- --from <ISO> --to <ISO> [--plan plan.json | --scale 1.5] [--policy-version N]
//   [--region <id>] [--location <id>] [--seed N] [--json] [--url http://localhost:3000] [--token <JWT>]`
// runs the what-if staffing simulator of a running Ringback (POST /api/v1/reports/simulations) and
// prints projected beside actual figures. Staffing: recorded (default), a plan file (the JSON that
// `--recorded-plan` prints, edited), or the recorded plan scaled by `--scale`. Without --token it
// signs a development admin token with AUTH_JWT_SECRET (not with NODE_ENV=production).

const USAGE =
  'usage: npm run -s simulate -- --from <ISO-8601> --to <ISO-8601> [--plan <plan.json> | --scale <k>] ' +
  '[--policy-version <n>] [--region <id>] [--location <id>] [--seed <n>] [--recorded-plan] [--json] ' +
  '[--url http://localhost:3000] [--token <JWT>]';

function fail(message: string, code: number): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

interface Figures {
  tasks: number;
  slaAttainment: { overall: number | null; tier1: number | null; tier2: number | null; tier3: number | null };
  slaDecided: number;
  sameDayCompletionRate: number | null;
  callsNotReturnedSameDay: number;
  medianMinutesToFirstAttempt: number | null;
  p90MinutesToFirstAttempt: number | null;
}
interface Answer {
  period: { from: string; to: string };
  projected: Figures;
  actual: Figures;
  scope: { locations: number; pods: string[] };
  staffing: { kind: string; coordinatorHours: Record<string, { recorded: number; replayed: number }> };
  policyVersion: number | null;
  work: { sessions: { replayed: number; drawn: number } };
  byPod: { podId: string; projected: number | null; actual: number | null; tasks: number }[];
}
interface PlanRow {
  podId: string;
  weekdays: number[];
  hours: number[];
  timezone?: string;
}

const pct = (v: number | null) => (v === null ? '-' : `${(v * 100).toFixed(1)}%`);
const num = (v: number | null) => (v === null ? '-' : v.toFixed(1));
const pts = (a: number | null, b: number | null) =>
  a === null || b === null ? '-' : `${(a - b) * 100 >= 0 ? '+' : ''}${((a - b) * 100).toFixed(1)} pp`;
const diff = (a: number | null, b: number | null) =>
  a === null || b === null ? '-' : `${a - b >= 0 ? '+' : ''}${(a - b).toFixed(1)}`;

/** The answer as a table a supervisor reads. */
export function renderSimulation(a: Answer): string {
  const rows: [string, string, string, string][] = [['', 'projected', 'actual', 'difference']];
  const rate = (label: string, p: number | null, q: number | null) =>
    rows.push([label, pct(p), pct(q), pts(p, q)]);
  rate('SLA attainment', a.projected.slaAttainment.overall, a.actual.slaAttainment.overall);
  for (const t of ['tier1', 'tier2', 'tier3'] as const)
    rate(`  ${t.replace('tier', 'Tier ')}`, a.projected.slaAttainment[t], a.actual.slaAttainment[t]);
  rate('Same-day completion', a.projected.sameDayCompletionRate, a.actual.sameDayCompletionRate);
  rows.push([
    'Not returned same day',
    String(a.projected.callsNotReturnedSameDay),
    String(a.actual.callsNotReturnedSameDay),
    String(a.projected.callsNotReturnedSameDay - a.actual.callsNotReturnedSameDay),
  ]);
  rows.push([
    'Minutes to first attempt (median)',
    num(a.projected.medianMinutesToFirstAttempt),
    num(a.actual.medianMinutesToFirstAttempt),
    diff(a.projected.medianMinutesToFirstAttempt, a.actual.medianMinutesToFirstAttempt),
  ]);
  rows.push([
    'Minutes to first attempt (p90)',
    num(a.projected.p90MinutesToFirstAttempt),
    num(a.actual.p90MinutesToFirstAttempt),
    diff(a.projected.p90MinutesToFirstAttempt, a.actual.p90MinutesToFirstAttempt),
  ]);
  for (const p of a.byPod) rate(`SLA attainment, ${p.podId}`, p.projected, p.actual);
  for (const [pod, h] of Object.entries(a.staffing.coordinatorHours))
    rows.push([
      `Coordinator-hours, ${pod}`,
      h.replayed.toFixed(1),
      h.recorded.toFixed(1),
      diff(h.replayed, h.recorded),
    ]);
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('   ');
  return [
    `What-if ${a.period.from} to ${a.period.to}: ${a.actual.tasks} tasks, ${a.scope.locations} locations, ` +
      `staffing ${a.staffing.kind}${a.policyVersion === null ? '' : `, triage policy v${a.policyVersion}`}`,
    '',
    ...rows.map(line),
    '',
    `Work replayed from the record: ${a.work.sessions.replayed} sessions; drawn from its samples: ${a.work.sessions.drawn}.`,
  ].join('\n');
}

async function main(): Promise<void> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      options: {
        from: { type: 'string' },
        to: { type: 'string' },
        plan: { type: 'string' },
        scale: { type: 'string' },
        'policy-version': { type: 'string' },
        region: { type: 'string' },
        location: { type: 'string' },
        seed: { type: 'string' },
        'recorded-plan': { type: 'boolean' },
        json: { type: 'boolean' },
        url: { type: 'string' },
        token: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    fail(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`, 2);
  }
  if (values['help']) fail(USAGE, 0);
  const from = values['from'] as string | undefined;
  const to = values['to'] as string | undefined;
  if (!from || !to) fail(`--from and --to are required\n${USAGE}`, 2);
  if (values['plan'] && values['scale']) fail('--plan and --scale do not go together', 2);
  const config = loadConfig(process.env);
  let token = values['token'] as string | undefined;
  if (!token) {
    if (process.env['NODE_ENV'] === 'production') fail('pass --token with NODE_ENV=production', 2);
    if (!config.auth.jwtSecret) fail('pass --token (AUTH_JWT_SECRET is not set)', 2);
    token = await signDevToken({ role: 'admin', sub: 'what-if-cli' }, config.auth.jwtSecret);
  }
  const url = ((values['url'] as string | undefined) ?? `http://localhost:${config.http.port}`).replace(
    /\/+$/,
    '',
  );
  const scope = {
    from,
    to,
    ...(values['region'] ? { regionId: values['region'] as string } : {}),
    ...(values['location'] ? { locationId: values['location'] as string } : {}),
  };
  const call = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    if (res.status !== 200) fail(`${method} ${path}: ${res.status} ${text}`, 1);
    return JSON.parse(text);
  };
  const recordedPlan = async () =>
    (
      (await call('GET', `/api/v1/reports/simulations/staffing?${new URLSearchParams(scope)}`)) as {
        plan: { rows: PlanRow[] };
      }
    ).plan;

  if (values['recorded-plan']) {
    process.stdout.write(`${JSON.stringify(await recordedPlan(), null, 2)}\n`);
    return;
  }
  let staffing: unknown = { kind: 'recorded' };
  if (values['plan']) {
    let plan: { rows: PlanRow[] };
    try {
      plan = JSON.parse(readFileSync(values['plan'] as string, 'utf8')) as { rows: PlanRow[] };
    } catch (error) {
      fail(`cannot read the plan: ${error instanceof Error ? error.message : String(error)}`, 2);
    }
    staffing = { kind: 'plan', rows: plan.rows };
  } else if (values['scale']) {
    const k = Number(values['scale']);
    if (!Number.isFinite(k) || k < 0) fail('--scale takes a number >= 0', 2);
    const plan = await recordedPlan();
    staffing = { kind: 'plan', rows: plan.rows.map((r) => ({ ...r, hours: r.hours.map((h) => h * k) })) };
  }
  const body = {
    ...scope,
    staffing,
    ...(values['policy-version'] ? { policyVersion: Number(values['policy-version']) } : {}),
    ...(values['seed'] ? { seed: Number(values['seed']) } : {}),
  };
  const started = Date.now();
  const tty = process.stderr.isTTY;
  const spinner = tty
    ? setInterval(
        () => process.stderr.write(`\rreplaying... ${((Date.now() - started) / 1000).toFixed(0)} s`),
        250,
      )
    : null;
  const answer = (await call('POST', '/api/v1/reports/simulations', body)) as Answer;
  if (spinner) {
    clearInterval(spinner);
    process.stderr.write('\r');
  }
  process.stderr.write(`replayed in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  process.stdout.write(
    values['json'] ? `${JSON.stringify(answer, null, 2)}\n` : `${renderSimulation(answer)}\n`,
  );
}

if (require.main === module)
  main().catch((error: unknown) =>
    fail(`simulation failed: ${error instanceof Error ? error.message : String(error)}`, 1),
  );
