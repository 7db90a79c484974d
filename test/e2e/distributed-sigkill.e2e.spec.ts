import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mongoose from 'mongoose';
import { io, type Socket } from 'socket.io-client';
import { signDevToken } from '@ringback/auth';
import type { RecordedEvent, TaskViewMessage } from '@ringback/contracts';
import { SqliteEventStore } from '@ringback/event-store-sqlite';
import { eventually, infraEndpoints, requireInfra, uniqueSuffix } from '@ringback/testing';
import { startTopology, type RunningTopology, type TopologyProcess } from '../infra/topology/topology';
import { topicCensus } from './test-fixtures/topic-census';

const JWT_SECRET = 'distributed-sigkill-jwt-secret-long-enough-4242';
const WEBHOOK_SECRET = 'distributed-sigkill-webhook-secret-long-enough-42';
const LOCATION = 'kill-clinic';
const REGION = 'region-kill';
/** Each process SIGKILLed once, in this order (the gateway: one of its two replicas). */
const KILL_ORDER = [
  'call-ingest',
  'triage',
  'sla-monitor',
  'scheduling',
  'reminders',
  'reporting',
  'gateway',
];
/** One new missed call this often, each from its own number (one task each). */
const CALL_EVERY_MS = 1_000;
/** Every tier's SLA target at the clinic: at risk after 45 s, breached after 60 s (wall clock). */
const SLA_MINUTES = 1;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A telephony provider's side of the webhook: each call is posted until it is accepted (202), re-signed
 * and retried with the same providerCallId after a refusal, an error answer or a broken connection, as
 * Twilio retries a failed status callback. What it was told is the history the checks compare with.
 */
class WebhookLoad {
  /** providerCallId -> the taskId the 202 named. */
  readonly accepted = new Map<string, string>();
  /** Calls given up on (never accepted within the retry budget) and answers that must not happen. */
  readonly failures: string[] = [];
  retries = 0;
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly inFlight = new Set<Promise<unknown>>();
  private sent = 0;

  constructor(
    private readonly base: string,
    private readonly run: string,
  ) {}

  start(): void {
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        const p: Promise<unknown> = this.post(this.sent++).finally(() => this.inFlight.delete(p));
        this.inFlight.add(p);
        await sleep(CALL_EVERY_MS);
      }
    })();
  }

  /** Stops sending new calls; resolves once every call in flight is accepted or given up. */
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    await Promise.all([...this.inFlight]);
  }

  /** One call, retried until accepted; its number is its own so it opens its own task. */
  async post(i: number, label = 'load'): Promise<string | undefined> {
    const providerCallId = `CA-${this.run}-${label}-${i}`;
    const body = JSON.stringify({
      providerCallId,
      locationId: LOCATION,
      from: `+1720${label === 'load' ? '555' : '556'}${String(i).padStart(4, '0')}`,
      occurredAt: new Date().toISOString(),
      callerName: `Caller ${i}`,
      intent: 'new_patient',
    });
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      const timestamp = Math.floor(Date.now() / 1000);
      const signature = createHmac('sha256', WEBHOOK_SECRET).update(`${timestamp}.${body}`).digest('hex');
      try {
        const res = await fetch(`${this.base}/api/v1/calls/missed`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-ringback-timestamp': String(timestamp),
            'x-ringback-signature': `sha256=${signature}`,
          },
          body,
          signal: AbortSignal.timeout(15_000),
        });
        if (res.status === 202) {
          const { taskId } = (await res.json()) as { taskId: string };
          const before = this.accepted.get(providerCallId);
          if (before !== undefined && before !== taskId)
            this.failures.push(`${providerCallId} answered ${before}, then ${taskId}`);
          this.accepted.set(providerCallId, taskId);
          return taskId;
        }
        const text = await res.text();
        // A refusal the provider retries: the service is down (502 at the edge), not ready, or limited.
        if (![429, 500, 502, 503, 504].includes(res.status)) {
          this.failures.push(`${providerCallId}: ${res.status} ${text}`);
          return undefined;
        }
      } catch {
        // Connection reset or timed out mid-request (the process died): it may or may not be stored.
      }
      this.retries += 1;
      await sleep(300);
    }
    this.failures.push(`${providerCallId}: not accepted within 120 s`);
    return undefined;
  }
}

/** Every stored event, read from the shared SQLite event store (ciphertext PHI is not needed here). */
async function storedEvents(dataDir: string): Promise<RecordedEvent[]> {
  const store = new SqliteEventStore({ path: path.join(dataDir, 'events.sqlite') });
  try {
    return await store.readAll();
  } finally {
    await store.close();
  }
}

const countBy = <T>(items: readonly T[], key: (t: T) => string): Map<string, number> => {
  const out = new Map<string, number>();
  for (const item of items) out.set(key(item), (out.get(key(item)) ?? 0) + 1);
  return out;
};

/**
 * Issue 9, faults: every service process of the distributed topology (each its own Node process on the
 * real Kafka broker and FerretDB, the SQLite event store standing in for KurrentDB) SIGKILLed in turn
 * under a steady stream of signed missed-call webhooks, and started again. Afterwards the history the
 * webhook sender saw and the event store agree, Jepsen style: every accepted call recorded once and
 * opened as exactly one task, no event id twice, each task's at-risk and breach thresholds fired exactly
 * once (one-minute SLA targets, so every task reaches both within the test), one supervisor alert per
 * breach, every stored event on the bus, and the restarted gateway's wallboard current again.
 */
describe('the distributed topology survives SIGKILL of each service process in turn', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'ringback-sigkill-'));
  let topology: RunningTopology | undefined;
  let database: string | undefined;
  let board: Socket | undefined;
  let load: WebhookLoad | undefined;
  after(async () => {
    await load?.stop();
    board?.disconnect();
    await topology?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    if (database) {
      const connection = await mongoose.createConnection(database).asPromise();
      await connection.dropDatabase();
      await connection.close();
    }
  });

  it(
    'no accepted call lost, no task or threshold duplicated, the wallboard fresh again',
    { timeout: 900_000 },
    async (t) => {
      const brokers = infraEndpoints().kafkaBrokers ?? requireInfra(t, 'kafka');
      const mongo = infraEndpoints().mongoUrl ?? requireInfra(t, 'mongo');
      if (!brokers || !mongo) return;
      const run = uniqueSuffix().replace(/[^a-zA-Z0-9-]/g, '');
      const namespace = `kill-${run}`.slice(0, 60);
      const started = Date.now();
      topology = await startTopology({
        kafkaBrokers: brokers.join(','),
        mongoUrl: mongo,
        dataDir,
        namespace,
        authJwtSecret: JWT_SECRET,
        webhookSecret: WEBHOOK_SECRET,
        env: { LOG_LEVEL: 'warn', SLA_TIMER_INTERVAL_MS: '500' },
      });
      database = topology.mongoUrl;
      t.diagnostic(`topology ready in ${Math.round((Date.now() - started) / 1000)} s`);
      const base = topology.url;
      const admin = await signDevToken({ role: 'admin' }, JWT_SECRET);
      const supervisor = await signDevToken(
        { role: 'supervisor', sub: 'sup-kill', regions: [REGION] },
        JWT_SECRET,
      );
      const put = async (url: string, body: unknown) => {
        const res = await fetch(`${base}${url}`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        assert.equal(res.status, 200, `${url}: ${await res.text()}`);
      };

      // A clinic open around the clock whose every tier has a one-minute wall-clock SLA.
      const allDay = [['00:00', '23:59']];
      await put(`/api/v1/admin/locations/${LOCATION}`, {
        name: 'SIGKILL Clinic',
        regionId: REGION,
        podId: 'pod-kill',
        timezone: 'America/Denver',
        hours: Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, allDay])),
        serviceLines: ['primary_care'],
      });
      const target = { targetMinutes: SLA_MINUTES, mode: 'wall_clock' };
      await put(`/api/v1/admin/triage-policy/locations/${LOCATION}`, {
        sla: { tier1: target, tier2: target, tier3: target },
      });

      // The pipeline works end to end before anything is killed: a first call's task is opened.
      load = new WebhookLoad(base, run);
      const first = await load.post(0, 'warmup');
      assert.ok(first, load.failures.join('; '));
      await eventually(
        async () =>
          (
            await fetch(`${base}/api/v1/tasks/${first}`, {
              headers: { authorization: `Bearer ${supervisor}` },
            })
          ).status === 200,
        120_000,
        500,
      );

      load.start();
      const kills: string[] = [];
      // Each process back on its feet (answering /healthz) before the next is killed; catching up
      // with what it missed (readiness) is checked at the end.
      for (const service of KILL_ORDER) {
        await sleep(3_000);
        const proc = topology.processes.find((p) => p.service === service && p.replica === 0);
        assert.ok(proc, service);
        const pid = proc.child.pid;
        await topology.kill(proc);
        await sleep(1_000);
        const down = Date.now();
        await topology.start(proc, { until: 'live' });
        kills.push(`${service} (pid ${pid}): back in ${Math.round((Date.now() - down) / 1000)} s`);
      }
      await sleep(4_000);
      await load.stop();
      t.diagnostic(`killed and restarted: ${kills.join('; ')}`);
      t.diagnostic(`${load.accepted.size} calls accepted, ${load.retries} retried posts`);
      assert.deepEqual(load.failures, [], 'every call accepted in the end, each answered one task');
      const accepted = new Map(load.accepted);
      assert.ok(accepted.size >= 60, `${accepted.size} calls accepted`);
      const taskIds = new Set(accepted.values());
      assert.equal(taskIds.size, accepted.size, 'each call (its own number) opened its own task');

      // Wait for the history to settle: every accepted task breached (the last ones a minute after
      // the load stopped), then read it again a little later so a late duplicate would show.
      const of = (events: RecordedEvent[], type: string) => events.filter((e) => e.envelope.type === type);
      const taskOf = (e: RecordedEvent) => (e.envelope.data as { taskId: string }).taskId;
      await eventually(
        async () => {
          const breached = new Set(of(await storedEvents(dataDir), 'SlaBreached').map(taskOf));
          return [...taskIds].every((id) => breached.has(id));
        },
        240_000,
        2_000,
      );
      await sleep(5_000);
      const events = await storedEvents(dataDir);

      // No event id twice in the store.
      const ids = countBy(events, (e) => e.envelope.eventId);
      assert.deepEqual(
        [...ids].filter(([, n]) => n > 1),
        [],
        'no duplicated event id',
      );

      // Jepsen-style: the calls recorded are exactly the calls accepted, each once, with its task.
      const contacts = of(events, 'InboundContactRecorded').map(
        (e) => e.envelope.data as { providerCallId: string; taskId: string },
      );
      const recorded = countBy(contacts, (c) => c.providerCallId);
      assert.deepEqual(
        [...accepted.keys()].filter((id) => recorded.get(id) !== 1),
        [],
        'every accepted call recorded exactly once',
      );
      assert.deepEqual(
        [...recorded.keys()].filter((id) => !accepted.has(id)),
        [],
        'nothing recorded that was not accepted',
      );
      for (const c of contacts) assert.equal(c.taskId, accepted.get(c.providerCallId), c.providerCallId);

      // Every accepted call's task opened exactly once, and no other task.
      const opened = countBy(of(events, 'TaskOpened'), taskOf);
      assert.deepEqual(
        [...taskIds].filter((id) => opened.get(id) !== 1),
        [],
        'each task opened once',
      );
      assert.deepEqual(
        [...opened.keys()].filter((id) => !taskIds.has(id)),
        [],
        'no task without an accepted call',
      );

      // Each threshold fired exactly once per task (nobody claims them: every task reaches both).
      for (const type of ['SlaClockStarted', 'SlaAtRiskReached', 'SlaBreached']) {
        const fired = countBy(of(events, type), taskOf);
        assert.deepEqual(
          [...taskIds].filter((id) => fired.get(id) !== 1).map((id) => `${id}: ${fired.get(id) ?? 0}`),
          [],
          `${type} once per task`,
        );
      }

      // One supervisor alert per breach (sla-monitor's read model, through the one origin).
      await eventually(
        async () => {
          const res = await fetch(`${base}/api/v1/alerts?locationId=${LOCATION}`, {
            headers: { authorization: `Bearer ${supervisor}` },
          });
          if (res.status !== 200) return false;
          const { items } = (await res.json()) as { items: { taskId: string }[] };
          const alerts = countBy(items, (a) => a.taskId);
          return [...taskIds].every((id) => alerts.get(id) === 1) && alerts.size === taskIds.size;
        },
        60_000,
        1_000,
      );

      // Every stored event reached the bus (a relay killed mid-batch may publish its tail again:
      // consumers are idempotent by eventId, which the counts above show).
      let census = await topicCensus(brokers, namespace);
      await eventually(
        async () => {
          census = await topicCensus(brokers, namespace);
          return events.every((e) => census.counts.has(e.envelope.eventId));
        },
        60_000,
        2_000,
      );
      const republished = [...census.counts.values()].filter((n) => n > 1).length;
      t.diagnostic(
        `${events.length} events stored, ${census.messages} on the bus, ${republished} published again`,
      );

      // The restarted gateway's wallboard is current: every task there, breached, and a new call shows.
      const gateway = topology.processes.find((p) => p.service === 'gateway' && p.replica === 0);
      assert.ok(gateway);
      const tasks = new Map<string, TaskViewMessage>();
      board = io(`${gateway.url}/wallboard`, {
        auth: { token: supervisor },
        transports: ['websocket'],
        reconnection: false,
      });
      board.on('queue.snapshot', (s: { tasks: TaskViewMessage[] }) => {
        tasks.clear();
        for (const x of s.tasks) tasks.set(x.taskId, x);
      });
      board.on('queue.delta', (d: { upserts: TaskViewMessage[]; removals: string[] }) => {
        for (const x of d.upserts) tasks.set(x.taskId, x);
        for (const id of d.removals) tasks.delete(id);
      });
      const socket = board;
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('connect_error', reject);
      });
      await eventually(
        async () =>
          (
            (await socket.timeout(5_000).emitWithAck('subscribe', { scope: 'region', id: REGION })) as {
              ok: boolean;
            }
          ).ok,
        60_000,
        500,
      );
      await eventually(
        () => [...taskIds].every((id) => tasks.get(id)?.sla.status === 'breached'),
        60_000,
        500,
      );
      const fresh = await load.post(1, 'fresh');
      assert.ok(fresh, load.failures.join('; '));
      await eventually(() => tasks.get(fresh)?.status === 'open', 60_000, 250);

      // Every process is ready again: caught up on its projections, consumers and relay.
      for (const p of topology.processes as TopologyProcess[]) {
        let last = '';
        await eventually(
          async () => {
            const res = await fetch(`${p.url}/readyz`);
            last = `${res.status} ${await res.text()}`;
            return res.status === 200;
          },
          180_000,
          1_000,
        ).catch(() => assert.fail(`${p.service}#${p.replica} not ready: ${last}`));
      }
      t.diagnostic(`whole run ${Math.round((Date.now() - started) / 1000)} s`);
    },
  );
});
