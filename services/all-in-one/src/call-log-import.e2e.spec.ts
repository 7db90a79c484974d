import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { signDevToken } from '@ringback/auth';
import { VirtualClock } from '@ringback/kernel';
import { DateTime } from 'luxon';
import {
  E2E_SECRET,
  aurora,
  boston,
  configureLocations,
  startRingback,
  type RunningRingback,
} from './test-fixtures/all-in-one.harness';
import { settleRingback } from './test-fixtures/day-host';

const ROWS = 100_000;
const WEEK_START = Date.parse('2026-11-23T07:00:00Z'); // Monday 23 November, 00:00 in Denver
const WEEK = 7 * 86_400_000;

interface Row {
  line: number;
  bad: string | null;
  fields: string[];
  good?: {
    location: string;
    zone: string;
    at: number;
    outcome: string;
    intent: string;
    callbackAt: number | null;
    booked: boolean;
  };
}

/** A deterministic week of calls at two clinics, one bad row in 250 (each kind of mistake in turn). */
function* callLog(): Generator<Row> {
  let seed = 42;
  const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
  const intents = ['new_patient', 'returning_patient', 'reschedule', 'billing', ''];
  for (let i = 1; i <= ROWS; i++) {
    const line = i + 1; // line 1 is the header
    const location = i % 3 === 0 ? 'boston' : 'aurora';
    const zone = location === 'boston' ? 'America/New_York' : 'America/Denver';
    const at = WEEK_START + Math.floor(random() * WEEK);
    const outcome = random() < 0.6 ? 'answered' : random() < 0.7 ? 'missed' : 'voicemail';
    const intent = intents[Math.floor(random() * intents.length)]!;
    const callbackAt =
      outcome === 'answered' || random() < 0.2 ? null : at + Math.floor(random() * 30 * 3_600_000);
    const booked = callbackAt !== null && intent === 'new_patient' && random() < 0.5;
    const iso = (ms: number) => new Date(ms).toISOString();
    // Local time without an offset, read in the clinic's zone, for a third of the rows.
    const started =
      i % 3 === 1 ? DateTime.fromMillis(at, { zone }).toFormat("yyyy-LL-dd'T'HH:mm:ss.SSS") : iso(at);
    let fields = [
      `C${i}`,
      location,
      started,
      outcome,
      intent,
      callbackAt ? iso(callbackAt) : '',
      booked && callbackAt ? iso(callbackAt) : '',
      booked ? 'yes' : 'no',
    ];
    let bad: string | null = null;
    if (i % 250 === 0) {
      const kind = (i / 250) % 5;
      if (kind === 0)
        [fields, bad] = [[...fields.slice(0, 1), 'atlantis', ...fields.slice(2)], 'location_id'];
      else if (kind === 1)
        [fields, bad] = [[...fields.slice(0, 2), 'yesterday', ...fields.slice(3)], 'started_at'];
      else if (kind === 2)
        [fields, bad] = [[...fields.slice(0, 3), 'dropped', ...fields.slice(4)], 'outcome'];
      else if (kind === 3) [fields, bad] = [['C1', 'aurora', ...fields.slice(2)], 'call_id'];
      else [fields, bad] = [[...fields.slice(0, 7), 'maybe'], 'booked'];
    }
    yield {
      line,
      bad,
      fields,
      ...(bad ? {} : { good: { location, zone, at, outcome, intent, callbackAt, booked } }),
    };
  }
}

describe('historical call-log import over the all-in-one process', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'ringback-import-'));
  const clock = new VirtualClock('2026-12-01T17:00:00.000Z');
  let rb: RunningRingback;
  let admin: string;

  before(async () => {
    rb = await startRingback(dataDir, {
      clock,
      env: { ROUTING_INTERVAL_MS: '0', SLA_TIMER_INTERVAL_MS: '0' },
    });
    admin = await signDevToken({ role: 'admin', sub: 'root' }, E2E_SECRET);
    await configureLocations(rb, admin, { aurora, boston });
    await settleRingback(rb.service, rb.adapters);
  });
  after(async () => {
    await rb?.service.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('streams 100,000 rows with bad ones mixed in: good rows kept, bad lines reported; then the 7-day diagnostic', async () => {
    const rows = [...callLog()];
    const encoder = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(
          encoder.encode(
            'Call_ID,location_id,started_at,outcome,intent,first_callback_at,reached_at,booked\n',
          ),
        );
        // In chunks that cut lines in half, as a network would.
        let chunk = '';
        for (const r of rows) {
          chunk += `${r.fields.join(',')}\n`;
          if (chunk.length > 64 * 1024) {
            controller.enqueue(encoder.encode(chunk));
            chunk = '';
          }
        }
        controller.enqueue(encoder.encode(chunk));
        controller.close();
      },
    });
    // Building the body blocked this process (which is also the server's) for seconds: let the server
    // close the keep-alive socket that idled meanwhile before fetch picks it, or the upload resets.
    await new Promise((r) => setTimeout(r, 20));
    const res = await fetch(`${rb.service.url}/api/v1/admin/imports/call-logs?fileName=week.csv`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'text/csv' },
      body,
      duplex: 'half',
    } as RequestInit);
    const summary = (await res.json()) as {
      importId: string;
      rows: number;
      imported: number;
      rejected: number;
      rejectedLines: { line: number; errors: string[] }[];
    };
    assert.equal(res.status, 201, JSON.stringify(summary).slice(0, 500));
    const bad = rows.filter((r) => r.bad);
    assert.equal(summary.rows, ROWS);
    const reported = new Set(summary.rejectedLines.map((r) => r.line));
    const missing = bad.filter((r) => !reported.has(r.line));
    assert.equal(
      summary.rejected,
      bad.length,
      `not rejected: ${missing.map((r) => `${r.line} ${r.bad} ${r.fields.join(',')}`).join(' | ')}`,
    );
    assert.equal(summary.imported, ROWS - bad.length);
    assert.deepEqual(
      summary.rejectedLines.map((r) => r.line),
      bad.map((r) => r.line),
    );
    for (const [i, r] of summary.rejectedLines.entries())
      assert.ok(
        r.errors.some((e) => e.startsWith(bad[i]!.bad!)),
        `line ${r.line}: ${r.errors.join('; ')} (expected ${bad[i]!.bad})`,
      );

    await settleRingback(rb.service, rb.adapters);
    const status = (await (
      await fetch(`${rb.service.url}/api/v1/admin/imports/${summary.importId}`, {
        headers: { authorization: `Bearer ${admin}` },
      })
    ).json()) as { state: string; imported: number };
    assert.deepEqual([status.state, status.imported], ['completed', ROWS - bad.length]);

    // The diagnostic, against what the generated rows say.
    const good = rows.filter((r) => r.good).map((r) => r.good!);
    const missed = good.filter((g) => g.outcome !== 'answered');
    const day = (ms: number, zone: string) => DateTime.fromMillis(ms, { zone }).toISODate();
    const notSameDay = missed.filter(
      (g) => g.callbackAt === null || day(g.callbackAt, g.zone) !== day(g.at, g.zone),
    ).length;
    const delays = missed.filter((g) => g.callbackAt !== null).map((g) => (g.callbackAt! - g.at) / 60_000);
    const newPatients = missed.filter((g) => g.intent === 'new_patient');
    const lost = newPatients.filter(
      (g) => !g.booked && (g.callbackAt === null || g.callbackAt - g.at > 60 * 60_000),
    ).length;
    const week = 'from=2026-11-23T00:00:00-07:00&to=2026-11-30T00:00:00-07:00';
    const d = (await (
      await fetch(`${rb.service.url}/api/v1/reports/diagnostic?${week}`, {
        headers: { authorization: `Bearer ${admin}` },
      })
    ).json()) as Record<string, number>;
    assert.equal(d['missedCalls'], missed.length);
    assert.equal(d['notReturnedSameDay'], notSameDay);
    assert.equal(d['neverCalledBack'], missed.filter((g) => g.callbackAt === null).length);
    assert.ok(
      Math.abs(d['averageCallbackDelayMinutes']! - delays.reduce((a, b) => a + b, 0) / delays.length) < 1e-6,
    );
    assert.equal(d['newPatientMissedCalls'], newPatients.length);
    assert.equal(d['newPatientCallsLostToDelay'], lost);
    const kpis = (await (
      await fetch(`${rb.service.url}/api/v1/reports/kpis?${week}`, {
        headers: { authorization: `Bearer ${admin}` },
      })
    ).json()) as Record<string, number>;
    assert.equal(kpis['totalInbound'], good.length);
    assert.equal(kpis['missedCalls'], missed.length);
  });

  it('refuses what is not CSV and non-admins', async () => {
    const post = (token: string, type: string, body: string) =>
      fetch(`${rb.service.url}/api/v1/admin/imports/call-logs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': type },
        body,
      });
    assert.equal((await post(admin, 'application/json', '{}')).status, 415);
    assert.equal(
      (
        await post(
          await signDevToken({ role: 'supervisor', regions: ['west'] }, E2E_SECRET),
          'text/csv',
          'call_id\n',
        )
      ).status,
      403,
    );
    const empty = await post(admin, 'text/csv', 'call_id,location_id,started_at,outcome\n');
    assert.equal(empty.status, 201);
    assert.deepEqual(((await empty.json()) as { rows: number }).rows, 0);
  });

  it('imports from the command line with a progress bar (npm run -s import:calls)', async () => {
    const file = path.join(dataDir, 'small.csv');
    writeFileSync(
      file,
      [
        'call_id,location_id,started_at,outcome,intent,first_callback_at,reached_at,booked',
        'K1,aurora,2026-11-24T09:00:00-07:00,missed,new_patient,2026-11-24T09:20:00-07:00,2026-11-24T09:20:00-07:00,yes',
        'K2,aurora,not-a-time,missed,,,,',
        'K3,boston,2026-11-24 10:00,answered,,,,no',
      ].join('\n'),
    );
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'services/all-in-one/src/import-call-log.ts',
        '--file',
        file,
        '--url',
        rb.service.url,
        '--token',
        admin,
      ],
      {
        cwd: path.resolve(__dirname, '../../..'),
        env: { ...process.env, NODE_ENV: 'development' },
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    assert.equal(code, 0, err);
    assert.match(err, /\[█+\] 100%/);
    assert.match(err, /imported 2 of 3 rows; 1 rejected/);
    const summary = JSON.parse(out) as {
      imported: number;
      rejectedLines: { line: number; errors: string[] }[];
    };
    assert.equal(summary.imported, 2);
    assert.deepEqual(
      summary.rejectedLines.map((r) => r.line),
      [3],
    );
    assert.match(summary.rejectedLines[0]!.errors[0]!, /^started_at/);
  });
});
