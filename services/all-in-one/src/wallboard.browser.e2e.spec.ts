import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { requireChromium } from './test-fixtures/browser.fixture';
import { signDevToken } from '@ringback/auth';
import { VirtualClock } from '@ringback/kernel';
import { eventually } from '@ringback/testing';
import { inProcessHost, type DayHost } from './test-fixtures/day-host';
import { configureScheduling } from './test-fixtures/scheduling.fixture';
import {
  E2E_SECRET,
  E2E_WEBHOOK_SECRET,
  aurora,
  configureLocations,
  startRingback,
  type RunningRingback,
} from './test-fixtures/all-in-one.harness';

const SCREENSHOTS = path.resolve(__dirname, '../../../test-results/screenshots');
const T0 = '2026-11-30T16:00:00.000Z'; // Monday 09:00 in Denver: Aurora is open

describe('the wallboard in headless Chromium', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'ringback-browser-'));
  const clock = new VirtualClock(T0);
  let rb: RunningRingback;
  let host: DayHost;
  let browser: Browser | undefined;

  before(async () => {
    rb = await startRingback(dataDir, {
      clock,
      env: { ROUTING_INTERVAL_MS: '0', SLA_TIMER_INTERVAL_MS: '0' },
    });
    host = inProcessHost(rb.service, rb.adapters, clock);
    await configureLocations(rb, await signDevToken({ role: 'admin' }, E2E_SECRET), { aurora });
    await host.settle();
  });
  after(async () => {
    await browser?.close();
    await rb?.service.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const missedCall = async (body: Record<string, unknown>): Promise<string> => {
    const raw = JSON.stringify({ occurredAt: new Date(clock.now()).toISOString(), ...body });
    const ts = Math.floor(clock.now() / 1000);
    const signature = createHmac('sha256', E2E_WEBHOOK_SECRET).update(`${ts}.${raw}`).digest('hex');
    const res = await fetch(`${rb.service.url}/api/v1/calls/missed`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-ringback-timestamp': String(ts),
        'x-ringback-signature': `sha256=${signature}`,
      },
      body: raw,
    });
    assert.equal(res.status, 202);
    return ((await res.json()) as { taskId: string }).taskId;
  };
  /** The desk refreshes every 2 s of page time: run the page's clock until `target` shows (or fail). */
  const refreshedUntil = async (
    page: Page,
    target: ReturnType<Page['locator']>,
    state: 'visible' | 'detached' = 'visible',
  ) => {
    for (let i = 0; i < 15; i++) {
      await page.clock.runFor(2_000);
      if (
        await target.waitFor({ state, timeout: 1_500 }).then(
          () => true,
          () => false,
        )
      )
        return;
    }
    await target.waitFor({ state, timeout: 1_000 });
  };
  /** Ann is available as the server sees it (after the page's request went through). */
  const annIsAvailable = () =>
    eventually(
      async () => {
        const admin = await signDevToken({ role: 'admin' }, E2E_SECRET);
        const res = await fetch(`${rb.service.url}/api/v1/coordinators/ann`, {
          headers: { authorization: `Bearer ${admin}` },
        });
        return res.status === 200 && ((await res.json()) as { presence: string }).presence === 'available';
      },
      10_000,
      50,
    );
  const shot = async (page: Page, name: string) => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
  };

  it('shows a new Tier 1 task within a second, its countdown moves, it turns at risk and breached; the supervisor acknowledges the breach', async (t) => {
    const executablePath = requireChromium(t);
    if (!executablePath) return;
    browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu'] });
    const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
    // The page's clock follows the server's virtual clock.
    await page.clock.install({ time: new Date(T0) });
    await page.goto(`${rb.service.url}/?as=sup-west`);
    await page.waitForSelector('section[data-scope="region:west"]', { timeout: 10_000 });
    await shot(page, 'wallboard-empty');

    const accepted = Date.now();
    const taskId = await missedCall({
      providerCallId: 'browser-1',
      locationId: 'aurora',
      from: '+1 303 555 0100',
      intent: 'urgent_symptom',
    });
    await host.settle();
    const row = `tr[data-task="${taskId}"]`;
    await page.waitForSelector(row, { timeout: 1_000 });
    const shownAfterMs = Date.now() - accepted;
    assert.ok(shownAfterMs < 1_000, `shown ${shownAfterMs} ms after the webhook was accepted`);
    assert.match((await page.textContent(`${row} .tier`)) ?? '', /T1/);
    const sla = `${row} td[data-due]`;
    const first = await page.textContent(sla);
    assert.match(first ?? '', /^(15:00|14:5\d) on track$/);
    await page.clock.runFor(2_000);
    const second = await page.textContent(sla);
    assert.notEqual(second, first, 'the countdown moves');
    assert.match(second ?? '', /14:5\d on track/);
    await shot(page, 'wallboard-tier1-new');

    // 12 minutes on (75 % of 15 is 11:15): at risk.
    clock.set('2026-11-30T16:12:00.000Z');
    await page.clock.setSystemTime(new Date(clock.now()));
    await host.settle();
    await page.locator(sla, { hasText: 'AT RISK' }).waitFor({ timeout: 2_000 });
    assert.equal(await page.getAttribute(row, 'class'), 'row-at_risk');
    await shot(page, 'wallboard-tier1-at-risk');

    clock.set('2026-11-30T16:15:30.000Z');
    await page.clock.setSystemTime(new Date(clock.now()));
    await host.settle();
    await page.locator(sla, { hasText: 'BREACHED' }).waitFor({ timeout: 2_000 });
    assert.match((await page.textContent(sla)) ?? '', /−0:30 BREACHED/);
    const breachedTile = await page.textContent('section[data-scope="region:west"] .tiles');
    assert.match(breachedTile ?? '', /1breached/);
    await shot(page, 'wallboard-tier1-breached');
    // The supervisor's view lists the breach; acknowledging it takes it off the list.
    await page.clock.runFor(5_000);
    const alert = page.locator('#team .alert');
    await alert.waitFor({ timeout: 3_000 });
    assert.match((await alert.textContent()) ?? '', /BREACHED T1 · aurora/);
    await shot(page, 'supervisor-breach');
    await alert.locator('button[data-action="acknowledge"]').click();
    // The list refreshes from the alerts read model: on a busy machine it can lag the click's answer.
    await refreshedUntil(page, alert, 'detached');
    const acked = await fetch(`${rb.service.url}/api/v1/alerts?state=acknowledged`, {
      headers: { authorization: `Bearer ${await signDevToken({ role: 'admin' }, E2E_SECRET)}` },
    });
    assert.equal(
      ((await acked.json()) as { items: { acknowledgedBy: string }[] }).items[0]?.acknowledgedBy,
      'sup-west',
    );
    // Licensed staff take the urgent call (through the API) so the next test's queue is its own.
    const admin = await signDevToken({ role: 'admin', sub: 'rn-on-call' }, E2E_SECRET);
    for (const [action, body] of [
      ['claim', {}],
      ['escalate', { role: 'RN', reason: 'urgent symptom' }],
      ['handoff/accept', {}],
      ['resolve', { resolution: 'handled_clinically' }],
    ] as const) {
      const res = await fetch(`${rb.service.url}/api/v1/tasks/${taskId}/${action}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      assert.equal(res.status, 200, `${action}: ${await res.text()}`);
    }
    await host.settle();
    await page.locator(row).waitFor({ state: 'detached', timeout: 2_000 });
  });

  it('shows any past instant from history, and says it is not live', async (t) => {
    const executablePath = requireChromium(t);
    if (!executablePath) return;
    browser ??= await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu'] });
    const supervisor = await signDevToken({ role: 'supervisor', regions: ['west'] }, E2E_SECRET);
    const list = async (query: string) => {
      const res = await fetch(`${rb.service.url}/api/v1/tasks?${query}`, {
        headers: { authorization: `Bearer ${supervisor}` },
      });
      return {
        status: res.status,
        body: (await res.json()) as { items: { status: string; sla: { status: string } }[]; asOf?: string },
      };
    };
    // Live, the urgent call of the first test is handled; at 16:12 it was waiting and at risk.
    assert.deepEqual((await list('status=open')).body.items, []);
    const then = await list(`asOf=${encodeURIComponent('2026-11-30T16:12:00.000Z')}`);
    assert.equal(then.status, 200);
    assert.equal(then.body.asOf, '2026-11-30T16:12:00.000Z');
    assert.deepEqual(
      then.body.items.map((x) => [x.status, x.sla.status]),
      [['open', 'at_risk']],
    );
    assert.equal((await list(`asOf=${encodeURIComponent('2099-01-01T00:00:00Z')}`)).status, 400);
    assert.equal((await list('asOf=yesterday')).status, 400);

    const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
    await page.goto(`${rb.service.url}/?as=sup-west&at=2026-11-30T16:12:00.000Z`);
    const banner = page.locator('#conn[data-as-of]');
    await banner.waitFor({ timeout: 10_000 });
    assert.match((await banner.textContent()) ?? '', /AS OF 2026-11-30T16:12:00.000Z · not live/);
    const board = page.locator('section[data-scope="region:west"]');
    await board.locator('tr[data-task]').waitFor({ timeout: 5_000 });
    assert.match((await board.textContent()) ?? '', /history, not live/);
    assert.match((await board.locator('td[data-due]').textContent()) ?? '', /3:00 AT RISK/);
    await shot(page, 'wallboard-as-of');
  });

  it('lets a coordinator go available, accept the offer, follow the script, record the call and resolve it', async (t) => {
    const executablePath = requireChromium(t);
    if (!executablePath) return;
    browser ??= await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu'] });
    const admin = await signDevToken({ role: 'admin' }, E2E_SECRET);
    const profile = await fetch(`${rb.service.url}/api/v1/admin/coordinators/ann`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Ann Okafor', podIds: ['pod-mountain'], languages: ['en'] }),
    });
    assert.equal(profile.status, 200);
    const taskId = await missedCall({
      providerCallId: 'browser-2',
      locationId: 'aurora',
      from: '+1 303 555 0142',
      callerName: 'Dana Reyes',
      intent: 'new_patient',
    });
    await host.settle();

    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    await page.clock.install({ time: new Date(clock.now()) });
    await page.goto(`${rb.service.url}/?as=ann`);
    await page.locator('#desk button[data-presence="available"]').click({ timeout: 10_000 });
    await annIsAvailable(); // the click's request reaches the server in its own time
    await host.settle(); // routing offers the waiting call to Ann
    const offer = page.locator('#desk .card.offer');
    await refreshedUntil(page, offer);
    await shot(page, 'desk-offer');
    await offer.locator('button[data-action="accept"]').click();
    await host.settle();

    const card = page.locator(`#desk .card.task[data-task="${taskId}"]`);
    await refreshedUntil(page, card);
    const script = (await card.locator('.script').textContent()) ?? '';
    assert.match(script, /Hi Dana Reyes, this is Ann Okafor from Aurora Family Medicine\./);
    assert.match(script, /returning your call about booking a first visit/);
    assert.match((await card.textContent()) ?? '', /\+13035550142/);
    await shot(page, 'desk-task-script');
    await card.locator('button[data-outcome="reached_booked"]').click();
    await host.settle();
    await page
      .locator(`#desk .card.task[data-task="${taskId}"] button[data-action="resolve-booked"]`)
      .click();
    await host.settle();
    await refreshedUntil(page, page.locator(`#desk .card.task[data-task="${taskId}"]`), 'detached');

    const done = await fetch(`${rb.service.url}/api/v1/tasks/${taskId}`, {
      headers: { authorization: `Bearer ${admin}` },
    });
    const body = (await done.json()) as { status: string; assigneeId: string; sla: { status: string } };
    assert.equal(body.status, 'resolved');
    assert.equal(body.assigneeId, 'ann');
    assert.equal(body.sla.status, 'met');
    await shot(page, 'desk-done');
  });

  it('books an appointment within the coordinator’s authority from the desk; the supervisor sees the confirmation in the outbox', async (t) => {
    const executablePath = requireChromium(t);
    if (!executablePath) return;
    browser ??= await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu'] });
    const admin = await signDevToken({ role: 'admin' }, E2E_SECRET);
    await configureScheduling(rb.service.url, admin);
    clock.set(new Date(clock.now() + 5 * 60_000).toISOString()); // Ann's wrap-up from the last call ends
    await host.settle();
    const taskId = await missedCall({
      providerCallId: 'browser-3',
      locationId: 'aurora',
      from: '+1 303 555 0177',
      callerName: 'Sam Ortiz',
      intent: 'new_patient',
      language: 'es',
    });
    await host.settle();

    const page = await browser.newPage({ viewport: { width: 1600, height: 1100 } });
    await page.clock.install({ time: new Date(clock.now()) });
    await page.goto(`${rb.service.url}/?as=ann`);
    const available = page.locator('#desk button[data-presence="available"]');
    if (await available.isVisible({ timeout: 5_000 }).catch(() => false)) await available.click();
    await annIsAvailable();
    await host.settle();
    const offer = page.locator('#desk .card.offer');
    await refreshedUntil(page, offer);
    await offer.locator('button[data-action="accept"]').click();
    await host.settle();
    const card = page.locator(`#desk .card.task[data-task="${taskId}"]`);
    await refreshedUntil(page, card);
    await card.locator('button[data-action="find-slots"]').click();
    const picker = page.locator(`#desk [data-booking="${taskId}"]`);
    await picker.waitFor({ timeout: 5_000 });
    assert.equal(await picker.locator('select[data-field="appointment-type"]').inputValue(), 'new-visit');
    const first = picker.locator('button[data-slot]').first();
    const slotId = await first.getAttribute('data-slot');
    assert.equal(slotId, 'dr-lee.2026-12-01T15:00:00.000Z', 'the first free new-patient slot: Tuesday 08:00');
    await shot(page, 'desk-booking');
    await first.click();
    const note = page.locator('#desk .booked-note').first();
    await note.waitFor({ timeout: 5_000 });
    assert.match(
      (await note.textContent()) ?? '',
      /^Booked .* at Aurora Family Medicine \(new-visit\); the task is resolved\.$/,
    );
    await host.settle(); // the booking resolves the task; its confirmation is sent
    await refreshedUntil(page, card, 'detached');
    const task = (await (
      await fetch(`${rb.service.url}/api/v1/tasks/${taskId}`, {
        headers: { authorization: `Bearer ${admin}` },
      })
    ).json()) as {
      status: string;
    };
    assert.equal(task.status, 'resolved');

    const sup = await browser.newPage({ viewport: { width: 1600, height: 1100 } });
    await sup.clock.install({ time: new Date(clock.now()) });
    await sup.goto(`${rb.service.url}/?as=sup-west`);
    const row = sup.locator('#team table.outbox tr', { hasText: 'Booking confirmation' });
    await row.first().waitFor({ timeout: 10_000 });
    const text = (await row.first().textContent()) ?? '';
    assert.match(text, /•••0177/);
    assert.match(text, /sent/);
    assert.match(text, /su cita quedó reservada/);
    assert.doesNotMatch(text, /3035550177/, 'the whole number is not shown');
    await shot(sup, 'supervisor-outbox');

    // The reports below: the last seven days' KPIs as tiles, the daily chart and the demand heatmap.
    const calls = sup.locator('#reports [data-kpi="calls in"] .n');
    await calls.waitFor({ timeout: 10_000 });
    // The page's clock runs on from the server's virtual now: its window ends a little later.
    const to = new Date(clock.now() + 60_000).toISOString();
    const from = new Date(clock.now() - 7 * 86_400_000).toISOString();
    const kpis = (await (
      await fetch(`${rb.service.url}/api/v1/reports/kpis?from=${from}&to=${to}&regionId=west`, {
        headers: { authorization: `Bearer ${admin}` },
      })
    ).json()) as { totalInbound: number };
    assert.ok(kpis.totalInbound > 0);
    assert.equal(await calls.textContent(), String(kpis.totalInbound));
    assert.ok(
      await sup.evaluate(() => typeof (globalThis as unknown as { Chart?: unknown }).Chart === 'function'),
      'chart.js loaded',
    );
    assert.ok((await sup.locator('#chart-daily').boundingBox())!.height > 50, 'the daily chart is drawn');
    const heatCells = await sup.locator('#reports table.heatmap tbody td').count();
    assert.equal(heatCells, 7 * 24);
    await sup.locator('#reports').scrollIntoViewIfNeeded();
    await shot(sup, 'supervisor-reports');
  });
});
