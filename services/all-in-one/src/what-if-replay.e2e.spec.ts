import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { signDevToken } from '@ringback/auth';
import { VirtualClock } from '@ringback/kernel';
import { E2E_SECRET, startRingback, type RunningRingback } from './test-fixtures/all-in-one.harness';
import { requireChromium } from './test-fixtures/browser.fixture';
import { inProcessHost } from './test-fixtures/day-host';
import { STAFFED_DAY, runStaffedDay } from './test-fixtures/staffed-day.scenario';

interface Figures {
  tasks: number;
  medianMinutesToFirstAttempt: number | null;
  slaAttainment: { overall: number | null; tier1: number | null; tier2: number | null; tier3: number | null };
  slaDecided: number;
  sameDayCompletionRate: number | null;
}
interface Answer {
  projected: Figures;
  actual: Figures;
  difference: { slaAttainmentPoints: number | null };
  staffing: { coordinatorHours: Record<string, { recorded: number; replayed: number }> };
  work: { sessions: { replayed: number; drawn: number } };
  byPod: { podId: string; projected: number | null; actual: number | null }[];
}

/** The scenario drives every loop on its virtual clock. */
const DRIVEN_LOOPS = {
  ROUTING_INTERVAL_MS: '0',
  SLA_TIMER_INTERVAL_MS: '0',
  SCHEDULING_INTERVAL_MS: '0',
  MESSAGES_INTERVAL_MS: '0',
  // A day of people at their desks, in a minute or two: far more requests than a person makes.
  RATE_LIMIT_USER_PER_MINUTE: '1000000',
};

describe('what-if simulator on a staffed day recorded by the real system', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'ringback-whatif-'));
  let rb: RunningRingback | undefined;
  let admin = '';
  let calls = 0;
  after(async () => {
    await rb?.service.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  before(async () => {
    const clock = new VirtualClock(STAFFED_DAY.from);
    rb = await startRingback(dataDir, { clock, env: DRIVEN_LOOPS });
    ({ calls } = await runStaffedDay(inProcessHost(rb.service, rb.adapters, clock)));
    admin = await signDevToken({ role: 'admin', sub: 'admin-1' }, E2E_SECRET);
  });
  const simulate = async (body: Record<string, unknown>, token = admin) => {
    const res = await fetch(`${rb!.service.url}/api/v1/reports/simulations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...STAFFED_DAY, ...body }),
    });
    return { status: res.status, body: (await res.json()) as Answer & { code?: string } };
  };

  it('replaying the day with its recorded staffing reproduces its SLA attainment within 2 points', async () => {
    const { status, body } = await simulate({ staffing: { kind: 'recorded' } });
    assert.equal(status, 200, JSON.stringify(body));
    const q = new URLSearchParams(STAFFED_DAY);
    const kpis = (await (
      await fetch(`${rb!.service.url}/api/v1/reports/kpis?${q}`, {
        headers: { authorization: `Bearer ${admin}` },
      })
    ).json()) as { slaAttainment: Figures['slaAttainment']; counts: { tasksOpened: number } };
    // "Actual" is what the KPI report says of the same day.
    assert.equal(body.actual.tasks, calls);
    assert.equal(kpis.counts.tasksOpened, calls);
    for (const tier of ['tier1', 'tier2', 'tier3'] as const)
      assert.equal(body.actual.slaAttainment[tier], kpis.slaAttainment[tier], tier);
    // The day is neither hopeless nor perfect, so staffing matters to it.
    const actual = body.actual.slaAttainment.overall!;
    assert.ok(actual > 0.4 && actual < 0.95, `recorded attainment ${actual}`);
    assert.ok(body.actual.slaDecided > 100, `${body.actual.slaDecided} clocks decided`);
    // The acceptance line.
    const projected = body.projected.slaAttainment.overall!;
    assert.ok(Math.abs(projected - actual) <= 0.02, `projected ${projected} vs actual ${actual}`);
    assert.ok(
      Math.abs(body.projected.sameDayCompletionRate! - body.actual.sameDayCompletionRate!) <= 0.02,
      JSON.stringify({ projected: body.projected, actual: body.actual }),
    );
    for (const pod of body.byPod)
      assert.ok(Math.abs(pod.projected! - pod.actual!) <= 0.05, JSON.stringify(pod));
    assert.ok(body.work.sessions.replayed > calls, 'the recorded work is what gets replayed');
    for (const hours of Object.values(body.staffing.coordinatorHours))
      assert.equal(hours.replayed, hours.recorded);
  });

  it('more coordinators than recorded project a better day, fewer a worse one', async () => {
    const q = new URLSearchParams(STAFFED_DAY);
    const recorded = (await (
      await fetch(`${rb!.service.url}/api/v1/reports/simulations/staffing?${q}`, {
        headers: { authorization: `Bearer ${admin}` },
      })
    ).json()) as {
      plan: { rows: { podId: string; weekdays: number[]; hours: number[] }[] };
      policyVersions: number[];
    };
    assert.deepEqual(recorded.plan.rows.map((r) => r.podId).sort(), ['pod-harbor', 'pod-mountain']);
    const scaled = (k: number) => ({
      kind: 'plan',
      rows: recorded.plan.rows.map((r) => ({ ...r, hours: r.hours.map((h) => h * k) })),
    });
    const asPlan = (await simulate({ staffing: scaled(1) })).body;
    const doubled = (await simulate({ staffing: scaled(2) })).body;
    const halved = (await simulate({ staffing: scaled(0.5) })).body;
    const overall = (a: Answer) => a.projected.slaAttainment.overall!;
    // The day's shifts start and end on the hour: as a plan, the recorded staffing replays the same.
    assert.ok(Math.abs(overall(asPlan) - asPlan.actual.slaAttainment.overall!) <= 0.02);
    // Twice the people shorten every wait (first-attempt reach, not staffing, caps this day), half
    // of them cannot keep up and the queue runs away.
    assert.ok(overall(doubled) > overall(asPlan), `${overall(doubled)} vs ${overall(asPlan)}`);
    assert.ok(doubled.projected.medianMinutesToFirstAttempt! < asPlan.projected.medianMinutesToFirstAttempt!);
    assert.ok(overall(halved) < overall(asPlan) - 0.2, `${overall(halved)} vs ${overall(asPlan)}`);
  });

  it('bad requests answer 4xx and decide nothing; coordinators may not simulate', async () => {
    const bad = await simulate({
      staffing: { kind: 'plan', rows: [{ podId: 'pod-harbor', weekdays: [1], hours: [1] }] },
    });
    assert.equal(bad.status, 400);
    assert.equal((await simulate({ staffing: { kind: 'recorded' }, to: STAFFED_DAY.from })).status, 400);
    assert.equal((await simulate({ staffing: { kind: 'recorded' }, policyVersion: 99 })).status, 422);
    assert.equal((await simulate({ staffing: { kind: 'recorded' }, locationId: 'nowhere' })).status, 404);
    const coordinator = await signDevToken(
      { role: 'coordinator', sub: 'm1', pods: ['pod-mountain'] },
      E2E_SECRET,
    );
    assert.equal((await simulate({ staffing: { kind: 'recorded' } }, coordinator)).status, 403);
    // A supervisor of the east sees only Boston's pod.
    const east = await signDevToken({ role: 'supervisor', sub: 'sup-east', regions: ['east'] }, E2E_SECRET);
    const scoped = await simulate({ staffing: { kind: 'recorded' } }, east);
    assert.equal(scoped.status, 200);
    assert.deepEqual(
      scoped.body.byPod.map((p) => p.podId),
      ['pod-harbor'],
    );
  });

  it('runs from the CLI: the recorded plan out, an edited plan in, a table back', async () => {
    const cli = async (...args: string[]) => {
      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          'services/all-in-one/src/simulate.ts',
          ...args,
          '--url',
          rb!.service.url,
          '--token',
          admin,
        ],
        { cwd: path.resolve(__dirname, '../../..'), env: { ...process.env, NODE_ENV: 'development' } },
      );
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const code = await new Promise<number | null>((r) => child.on('exit', r));
      return { code, out, err };
    };
    const period = ['--from', STAFFED_DAY.from, '--to', STAFFED_DAY.to];
    const recorded = await cli(...period, '--recorded-plan');
    assert.equal(recorded.code, 0, recorded.err);
    const plan = JSON.parse(recorded.out) as { rows: { podId: string; hours: number[] }[] };
    const file = path.join(dataDir, 'plan.json');
    writeFileSync(
      file,
      JSON.stringify({ rows: plan.rows.map((r) => ({ ...r, hours: r.hours.map((h) => h * 2) })) }),
    );
    const run = await cli(...period, '--plan', file);
    assert.equal(run.code, 0, run.err);
    assert.match(
      run.out,
      /What-if 2026-11-30T12:00:00.000Z to 2026-12-01T00:00:00.000Z: \d+ tasks, 3 locations, staffing plan/,
    );
    assert.match(run.out, /SLA attainment +\d+\.\d% +\d+\.\d% +[+-]\d+\.\d pp/);
    assert.match(run.out, /Coordinator-hours, pod-mountain/);
    const bad = await cli('--from', 'yesterday', '--to', STAFFED_DAY.to);
    assert.equal(bad.code, 1);
    assert.match(bad.err, /400/);
  });

  it('runs from the web UI: load the recorded staffing, edit it, run, read the table and the chart', async (t) => {
    const executablePath = requireChromium(t);
    if (!executablePath) return;
    const browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1600, height: 1400 }, timezoneId: 'UTC' });
      await page.goto(`${rb!.service.url}/?as=admin`);
      await page.waitForSelector('#whatif-form', { timeout: 10_000 });
      await page.fill('#whatif-from', '2026-11-30');
      await page.fill('#whatif-to', '2026-11-30');
      await page.click('[data-action="load-staffing"]');
      const mountainAt8 = page.locator('#whatif-plan tr[data-pod="pod-mountain"] input[data-hour="8"]');
      await mountainAt8.waitFor({ timeout: 10_000 });
      assert.equal(await mountainAt8.inputValue(), '1');
      // Four more people in the mountain pod from 08:00 to 09:00 Denver.
      await mountainAt8.fill('5');
      await mountainAt8.dispatchEvent('change');
      await page.click('[data-action="run-whatif"]');
      const overall = page.locator('#whatif-result tr[data-measure="SLA met"]');
      await overall.waitFor({ timeout: 30_000 });
      const cells = await overall.locator('td').allTextContents();
      const api = (
        await simulate({
          from: '2026-11-30T00:00:00.000Z',
          to: '2026-12-01T00:00:00.000Z',
          staffing: { kind: 'recorded' },
        })
      ).body;
      assert.equal(cells[1], `${Math.round(api.actual.slaAttainment.overall! * 100)}%`);
      assert.match(cells[0]!, /^\d+%$/);
      assert.match(cells[2]!, /^[+-]\d+\.\d pp$/);
      assert.match((await page.textContent('#whatif-status'))!, /Replayed \d+ tasks/);
      assert.equal(await page.locator('#chart-whatif').count(), 1);
      await page.screenshot({
        path: path.resolve(__dirname, '../../../test-results/screenshots/what-if.png'),
        fullPage: true,
      });
    } finally {
      await browser.close();
    }
  });
});
