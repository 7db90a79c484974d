import { after, before, describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { logLevel } from 'kafkajs';
import { signDevToken, signWebhook } from '@ringback/auth';
import { KafkaBus } from '@ringback/bus-kafka';
import type { EventEnvelope } from '@ringback/contracts';
import { InMemoryReadModelStore } from '@ringback/in-memory';
import { MongoReadModelStore } from '@ringback/read-model-mongo';
import { ReadModelCheckpointStore, withPhiEncryption, type PlatformAdapters } from '@ringback/runtime';
import { SqliteEventStore } from '@ringback/event-store-sqlite';
import { infraEndpoints, requireInfra, uniqueSuffix } from '@ringback/testing';
import {
  E2E_SECRET,
  E2E_WEBHOOK_SECRET,
  aurora,
  configureLocations,
  startRingback,
  type RunningRingback,
} from './test-fixtures/all-in-one.harness';

// Faults on the real broker, loopback and bounded: the all-in-one process with its bus on Kafka, its
// read models in memory (on FerretDB with RINGBACK_FAULTS_READ_MODELS=mongo; see below why not by
// default) and the event store the SQLite file (no KurrentDB server here).
// 1. The Kafka broker is stopped and restarted under a steady stream of webhooks: every webhook is
//    either accepted and kept or refused with 503 (never accepted and lost), and once the broker is
//    back the consumers resume from their committed offsets: every accepted call becomes exactly one
//    task. The broker is a private one this spec starts (test/infra/kafka.sh on its own ports and
//    data directory), so stopping it disturbs no other suite.
// 2. Parallel commands on one stream conflict on its revision and are resolved by retry: all kept.

const exec = promisify(execFile);
const repo = path.resolve(__dirname, '../../..');
const kafkaScript = path.join(repo, 'test/infra/kafka.sh');

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });

interface Outcome {
  providerCallId: string;
  status: number | 'timeout';
  taskId?: string;
}

const infra = infraEndpoints();
const onFerret = process.env['RINGBACK_FAULTS_READ_MODELS'] === 'mongo';

if (!infra.kafkaBrokers || (onFerret && !infra.mongoUrl)) {
  test('faults on the real Kafka broker', (t) => {
    if (!infra.kafkaBrokers) requireInfra(t, 'kafka');
    else requireInfra(t, 'mongo');
  });
} else {
  describe('faults on the real Kafka broker', { timeout: 300_000 }, () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'ringback-kafka-faults-'));
    const runDir = mkdtempSync(path.join(tmpdir(), 'ringback-private-kafka-'));
    let brokerEnv: NodeJS.ProcessEnv = {};
    let rb: RunningRingback | undefined;
    let admin = '';
    let eventStore: SqliteEventStore;
    const busWarnings: string[] = [];
    const broker = async (command: 'start' | 'stop') => {
      await exec('bash', [kafkaScript, command], { env: brokerEnv, timeout: 180_000 });
    };

    before(async () => {
      const [port, controllerPort] = [await freePort(), await freePort()];
      brokerEnv = {
        ...process.env,
        RINGBACK_INFRA_RUN: runDir,
        RINGBACK_KAFKA_PORT: String(port),
        RINGBACK_KAFKA_CONTROLLER_PORT: String(controllerPort),
        KAFKA_HEAP: '-Xms128m -Xmx384m',
      };
      await broker('start');
      eventStore = new SqliteEventStore({ path: path.join(dataDir, 'events.sqlite') });
      const bus = new KafkaBus({
        brokers: [`127.0.0.1:${port}`],
        clientId: `ringback-faults-${uniqueSuffix()}`,
        partitions: 3,
        sessionTimeoutMs: 10_000,
        heartbeatIntervalMs: 500,
        maxWaitTimeMs: 100,
        caughtUpPollMs: 50,
        logLevel: logLevel.NOTHING,
        // The bus's own warnings (dead letters, a member kafkajs gave up on), for a failure's message.
        logger: { warn: (fields, message) => busWarnings.push(`${message} ${JSON.stringify(fields)}`) },
      });
      // RINGBACK_FAULTS_READ_MODELS=mongo puts the read models on FerretDB. Not the default: with them
      // on FerretDB the task-event consumers (triage.routing, sla-monitor.task-events,
      // call-ingest.task-closures) stay 200+ events behind for minutes after ~100 calls (an open
      // finding), which would hide the broker fault under test.
      const readModels = onFerret
        ? new MongoReadModelStore({
            uri: infra.mongoUrl!,
            dbName: `faults_${uniqueSuffix().replace(/[^a-z0-9]/gi, '')}`,
          })
        : new InMemoryReadModelStore();
      // PHI fields are encrypted in the store and on the wire here too, as every process has them.
      const adapters: PlatformAdapters = withPhiEncryption(
        dataDir,
        {},
        {
          mode: 'embedded',
          eventStore,
          bus,
          readModels,
          checkpoints: new ReadModelCheckpointStore(readModels),
        },
      );
      rb = await startRingback(dataDir, {
        adapters,
        env: {
          ROUTING_INTERVAL_MS: '0',
          SLA_TIMER_INTERVAL_MS: '0',
          SCHEDULING_INTERVAL_MS: '0',
          MESSAGES_INTERVAL_MS: '0',
          RATE_LIMIT_WEBHOOK_PER_MINUTE: '0',
          RATE_LIMIT_USER_PER_MINUTE: '0',
        },
      });
      admin = await signDevToken({ role: 'admin', sub: 'root' }, E2E_SECRET);
      await configureLocations(rb, admin, { aurora });
      // The clinic must be in the read model before calls can name it.
      for (const deadline = Date.now() + 30_000; ;) {
        const res = await fetch(`${rb.service.url}/api/v1/locations/aurora`, {
          headers: { authorization: `Bearer ${admin}` },
        });
        if (res.status === 200) break;
        assert.ok(Date.now() < deadline, 'aurora reached the read model');
        await new Promise((r) => setTimeout(r, 100));
      }
    });
    after(async () => {
      // Closing the service stops its runners and relay, then closes the adapters.
      await rb?.service.close();
      await exec('bash', [kafkaScript, 'stop'], { env: brokerEnv, timeout: 120_000 }).catch(() => undefined);
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(runDir, { recursive: true, force: true });
    });

    const missedCall = async (providerCallId: string, from: string): Promise<Outcome> => {
      const body = JSON.stringify({
        providerCallId,
        locationId: 'aurora',
        from,
        occurredAt: new Date().toISOString(),
        intent: 'new_patient',
      });
      const ts = Math.floor(Date.now() / 1000);
      try {
        const res = await fetch(`${rb!.service.url}/api/v1/calls/missed`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-ringback-timestamp': String(ts),
            'x-ringback-signature': signWebhook(E2E_WEBHOOK_SECRET, ts, body),
          },
          body,
          signal: AbortSignal.timeout(15_000),
        });
        const answer = (await res.json()) as { taskId?: string };
        return { providerCallId, status: res.status, ...(answer.taskId ? { taskId: answer.taskId } : {}) };
      } catch {
        return { providerCallId, status: 'timeout' };
      }
    };
    const events = async () => (await eventStore.readAll()).map((r) => r.envelope as EventEnvelope);
    const ready = async (withinMs: number) => {
      const deadline = Date.now() + withinMs;
      let last = '';
      while (Date.now() < deadline) {
        const res = await fetch(`${rb!.service.url}/readyz`);
        if (res.status === 200) return;
        last = await res.text();
        await new Promise((r) => setTimeout(r, 250));
      }
      assert.fail(
        `not ready within ${withinMs} ms: ${last}; bus warnings: ${busWarnings.join('; ') || 'none'}`,
      );
    };

    it('a broker stopped and restarted under load: every webhook accepted and kept or refused 503, every accepted call one task', async () => {
      const outcomes: Outcome[] = [];
      let stop = false;
      let seq = 0;
      // Two senders, each one request at a time (about 10 a second): a steady stream while the broker
      // goes away and comes back, small enough for triage on FerretDB to catch up within the test.
      const senders = Array.from({ length: 2 }, async () => {
        while (!stop) {
          const i = seq++;
          outcomes.push(await missedCall(`fault-${i}`, `+1303555${String(3000 + i).padStart(4, '0')}`));
          await new Promise((r) => setTimeout(r, 200));
        }
      });
      await new Promise((r) => setTimeout(r, 2_000));
      const beforeOutage = outcomes.length;
      await broker('stop');
      const stoppedAt = outcomes.length;
      await new Promise((r) => setTimeout(r, 4_000));
      const duringOutage = outcomes.length - stoppedAt;
      await broker('start');
      await new Promise((r) => setTimeout(r, 2_000));
      stop = true;
      await Promise.all(senders);
      assert.ok(
        beforeOutage >= 3 && duringOutage >= 3,
        `${beforeOutage} before, ${duringOutage} during the outage`,
      );

      const accepted = outcomes.filter((o) => o.status === 202);
      const refused = outcomes.filter((o) => o.status !== 202);
      assert.deepEqual(
        refused.filter((o) => o.status !== 503).map((o) => `${o.providerCallId}: ${o.status}`),
        [],
        'anything not accepted is a 503',
      );
      // Consumers resume from their committed offsets once the broker is back, and catch up.
      await ready(120_000);
      // Ready allows a consumer a little lag: wait (bounded) until every accepted call's task is
      // opened, then check that each was opened exactly once.
      let all = await events();
      for (const deadline = Date.now() + 60_000; Date.now() < deadline;) {
        const openedIds = new Set(
          all.filter((x) => x.type === 'TaskOpened').map((e) => (e.data as { taskId: string }).taskId),
        );
        if (accepted.every((o) => openedIds.has(o.taskId!))) break;
        await new Promise((r) => setTimeout(r, 500));
        all = await events();
      }
      const recorded = new Map<string, number>();
      for (const e of all.filter((x) => x.type === 'InboundContactRecorded')) {
        const id = (e.data as { providerCallId: string }).providerCallId;
        recorded.set(id, (recorded.get(id) ?? 0) + 1);
      }
      const opened = new Map<string, number>();
      for (const e of all.filter((x) => x.type === 'TaskOpened')) {
        const id = (e.data as { taskId: string }).taskId;
        opened.set(id, (opened.get(id) ?? 0) + 1);
      }
      // Jepsen style: the set of accepted calls is exactly the set recorded (a 503 recorded nothing),
      // each once, and each opened exactly one task.
      assert.deepEqual(
        [...recorded.keys()].filter((k) => k.startsWith('fault-')).sort(),
        accepted.map((o) => o.providerCallId).sort(),
      );
      assert.deepEqual(
        [...recorded.values()].filter((n) => n !== 1),
        [],
        'no call recorded twice',
      );
      for (const o of accepted) assert.equal(opened.get(o.taskId!), 1, `task ${o.taskId} opened once`);
      assert.equal(new Set(all.map((e) => e.eventId)).size, all.length, 'event ids are unique');
      for (const o of accepted.slice(-5)) {
        const res = await fetch(`${rb!.service.url}/api/v1/tasks/${o.taskId}`, {
          headers: { authorization: `Bearer ${admin}` },
        });
        assert.equal(res.status, 200, `task ${o.taskId} readable from the read model`);
      }
    });

    it('parallel commands on one stream resolve their conflicts by retry: no write lost', async () => {
      // One caller line (same number, same clinic): 12 calls at once all land on one stream.
      const from = '+13035559999';
      const answers = await Promise.all(
        Array.from({ length: 12 }, (_, i) => missedCall(`same-line-${i}`, from)),
      );
      assert.deepEqual(
        answers.filter((a) => a.status !== 202).map((a) => a.status),
        [],
      );
      assert.equal(new Set(answers.map((a) => a.taskId)).size, 1, 'all joined one task');
      // One location configured 16 times at once: 16 versions, each answered once.
      const puts = await Promise.all(
        Array.from({ length: 16 }, (_, i) =>
          fetch(`${rb!.service.url}/api/v1/admin/locations/lakewood`, {
            method: 'PUT',
            headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
            body: JSON.stringify({ ...aurora, name: `Lakewood ${i}` }),
          }).then(async (res) => ({ status: res.status, body: (await res.json()) as { version?: number } })),
        ),
      );
      assert.deepEqual(
        puts.filter((p) => p.status !== 200),
        [],
      );
      assert.deepEqual(
        puts.map((p) => p.body.version).sort((a, b) => a! - b!),
        Array.from({ length: 16 }, (_, i) => i + 1),
      );
      await ready(120_000);
      const all = await events();
      const contacts = all.filter(
        (e) =>
          e.type === 'InboundContactRecorded' &&
          (e.data as { providerCallId: string }).providerCallId.startsWith('same-line-'),
      );
      assert.deepEqual(
        contacts.map((e) => (e.data as { providerCallId: string }).providerCallId).sort(),
        answers.map((a) => a.providerCallId).sort(),
        'every call on the line is recorded once',
      );
      const revisions = contacts.map((e) => e.streamId);
      assert.equal(new Set(revisions).size, 1, 'on one stream');
      const configured = all.filter((e) => e.streamId === 'location-lakewood');
      assert.equal(configured.length, 16, 'every configuration kept');
      // The task counts every call once its projection has them all (readiness allows some lag).
      let view: { callCount?: number } = {};
      for (const deadline = Date.now() + 30_000; view.callCount !== 12 && Date.now() < deadline;) {
        const res = await fetch(`${rb!.service.url}/api/v1/tasks/${answers[0]!.taskId}`, {
          headers: { authorization: `Bearer ${admin}` },
        });
        view = (await res.json()) as { callCount?: number };
        if (view.callCount !== 12) await new Promise((r) => setTimeout(r, 200));
      }
      assert.equal(view.callCount, 12, `the task counts every call: ${JSON.stringify(view)}`);
    });
  });
}
