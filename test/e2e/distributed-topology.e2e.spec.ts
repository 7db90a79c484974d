import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mongoose from 'mongoose';
import { io, type Socket } from 'socket.io-client';
import { signDevToken, type DevTokenClaims } from '@ringback/auth';
import { PHI_REDACTED, type TaskViewMessage } from '@ringback/contracts';
import { eventually, infraEndpoints, requireInfra, uniqueSuffix } from '@ringback/testing';
import { SqliteEventStore } from '@ringback/event-store-sqlite';
import { loadRoutes, serviceFor } from '../infra/topology/routes';
import { startTopology, topologyServices, type RunningTopology } from '../infra/topology/topology';
import { topicCensus } from './test-fixtures/topic-census';

const JWT_SECRET = 'distributed-topology-jwt-secret-long-enough-42';
const WEBHOOK_SECRET = 'distributed-topology-webhook-secret-long-enough-42';

interface Board {
  socket: Socket;
  tasks: Map<string, TaskViewMessage>;
  seq: number;
  gaps: number;
}

/**
 * The callback workflow end to end on the distributed topology: each service its own process on the
 * real Kafka broker and FerretDB (the SQLite event store standing in for KurrentDB), reached through
 * one origin routed by deploy/routes.json, two gateway replicas.
 */
describe('the distributed topology: every service its own process on Kafka and FerretDB', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'ringback-topology-'));
  let topology: RunningTopology | undefined;
  let database: string | undefined;
  const boards: Board[] = [];
  after(async () => {
    for (const b of boards) b.socket.disconnect();
    await topology?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    // The run's read models go with it (its namespaced topics stay, as every Kafka suite's do).
    if (database) {
      const connection = await mongoose.createConnection(database).asPromise();
      await connection.dropDatabase();
      await connection.close();
    }
  });

  it(
    'a signed missed call becomes a task, is claimed, attempted and resolved, and both gateway replicas show it',
    { timeout: 600_000 },
    async (t) => {
      const brokers = infraEndpoints().kafkaBrokers ?? requireInfra(t, 'kafka');
      const mongo = infraEndpoints().mongoUrl ?? requireInfra(t, 'mongo');
      if (!brokers || !mongo) return;
      const run = uniqueSuffix().replace(/[^a-zA-Z0-9-]/g, '');
      const namespace = `topo-${run}`.slice(0, 60);
      topology = await startTopology({
        kafkaBrokers: brokers.join(','),
        mongoUrl: mongo,
        dataDir,
        namespace,
        authJwtSecret: JWT_SECRET,
        webhookSecret: WEBHOOK_SECRET,
      });
      database = topology.mongoUrl;
      const base = topology.url;
      const token = (claims: DevTokenClaims) => signDevToken(claims, JWT_SECRET);
      const admin = await token({ role: 'admin' });
      const coordinator = await token({ role: 'coordinator', sub: 'coord-topo', pods: ['pod-topo'] });
      const supervisor = await token({ role: 'supervisor', sub: 'sup-topo', regions: ['region-topo'] });
      const call = (method: string, url: string, bearer?: string, body?: unknown) =>
        fetch(`${base}${url}`, {
          method,
          headers: {
            ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
      const json = async <T>(res: Response, status = 200): Promise<T> => {
        assert.equal(res.status, status, `${res.url}: ${await res.clone().text()}`);
        return (await res.json()) as T;
      };

      // One process per service (two gateways), distinct pids, each ready on its own.
      const services = topologyServices();
      assert.deepEqual(services, [
        'call-ingest',
        'gateway',
        'reminders',
        'reporting',
        'scheduling',
        'sla-monitor',
        'triage',
      ]);
      assert.equal(topology.processes.length, services.length + 1);
      assert.equal(new Set(topology.processes.map((p) => p.child.pid)).size, topology.processes.length);

      // The route table sends every route a service documents to that service.
      const routes = loadRoutes();
      // Every process serves the platform's routes; the PHI admin routes (erasure, the access audit)
      // too, and the route table sends the public ones to call-ingest, the owner of caller data.
      const everywhere = new Set(['/healthz', '/readyz', '/metrics', '/api/docs', '/api/docs/openapi.json']);
      const platformRoutes = new Set(['/api/v1/admin/erasures', '/api/v1/admin/audit/phi-access']);
      for (const route of platformRoutes) assert.equal(serviceFor(routes, route), 'call-ingest', route);
      for (const p of topology.processes.filter((x) => x.replica === 0)) {
        const doc = await json<{ paths: Record<string, unknown> }>(
          await fetch(`${p.url}/api/docs/openapi.json`),
        );
        const own = Object.keys(doc.paths).filter(
          (route) => !everywhere.has(route) && !platformRoutes.has(route),
        );
        assert.ok(own.length > 0, `${p.service} documents routes`);
        for (const route of own)
          assert.equal(
            serviceFor(routes, route.replace(/\{[^}]+\}/g, 'x')),
            p.service,
            `${route} of ${p.service}`,
          );
      }

      // A clinic open around the clock (call-ingest owns locations).
      const allDay = [['00:00', '23:59']];
      const hours = Object.fromEntries(
        ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, allDay]),
      );
      await json(
        await call('PUT', '/api/v1/admin/locations/topo-clinic', admin, {
          name: 'Topology Clinic',
          regionId: 'region-topo',
          podId: 'pod-topo',
          timezone: 'America/Denver',
          hours,
          serviceLines: ['primary_care'],
        }),
      );

      // Two supervisors' wallboards through the one origin: the round robin puts them on both replicas.
      for (let i = 0; i < 2; i++) {
        const socket = io(`${base}/wallboard`, {
          auth: { token: supervisor },
          transports: ['websocket'],
          reconnection: false,
        });
        const board: Board = { socket, tasks: new Map(), seq: -1, gaps: 0 };
        socket.on('queue.snapshot', (s: { seq: number; tasks: TaskViewMessage[] }) => {
          board.tasks = new Map(s.tasks.map((x) => [x.taskId, x]));
          board.seq = s.seq;
        });
        socket.on('queue.delta', (d: { seq: number; upserts: TaskViewMessage[]; removals: string[] }) => {
          if (d.seq !== board.seq + 1) board.gaps += 1;
          board.seq = d.seq;
          for (const x of d.upserts) board.tasks.set(x.taskId, x);
          for (const id of d.removals) board.tasks.delete(id);
        });
        await new Promise<void>((resolve, reject) => {
          socket.once('connect', () => resolve());
          socket.once('connect_error', reject);
        });
        boards.push(board);
        // The replica learns the location from the bus before it accepts the region.
        await eventually(
          async () => {
            const ack = (await socket
              .timeout(5_000)
              .emitWithAck('subscribe', { scope: 'region', id: 'region-topo' })) as { ok: boolean };
            return ack.ok;
          },
          120_000,
          500,
        );
      }

      const gateways = topology.processes.filter((p) => p.service === 'gateway').map((p) => p.url);
      assert.deepEqual(
        new Set(topology.proxy.upgrades.map((u) => u.upstream)),
        new Set(gateways),
        'one wallboard on each gateway replica',
      );

      // The telephony webhook, signed as the contract says (call-ingest).
      const body = JSON.stringify({
        providerCallId: `CA-${run}`,
        locationId: 'topo-clinic',
        from: '+13035550199',
        occurredAt: new Date().toISOString(),
        callerName: 'Pat Topology',
        intent: 'new_patient',
      });
      const timestamp = Math.floor(Date.now() / 1000);
      const signature = createHmac('sha256', WEBHOOK_SECRET).update(`${timestamp}.${body}`).digest('hex');
      const accepted = await json<{ taskId: string }>(
        await fetch(`${base}/api/v1/calls/missed`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-ringback-timestamp': String(timestamp),
            'x-ringback-signature': `sha256=${signature}`,
          },
          body,
        }),
        202,
      );
      const taskId = accepted.taskId;

      // Triage (another process) opened the task from the bus; the read API answers it.
      let opened: TaskViewMessage | undefined;
      await eventually(
        async () => {
          const res = await call('GET', `/api/v1/tasks/${taskId}`, supervisor);
          if (res.status === 200) opened = (await res.json()) as TaskViewMessage;
          return opened !== undefined;
        },
        120_000,
        500,
      );
      assert.ok(opened);
      assert.equal(opened.status, 'open');
      assert.equal(opened.locationId, 'topo-clinic');
      assert.equal(opened.intent, 'new_patient');
      // Both gateway replicas put it on their supervisors' boards.
      await eventually(() => boards.every((b) => b.tasks.get(taskId)?.status === 'open'), 120_000, 250);

      // The coordinator's work (triage): claim, a failed attempt requeues, claim again, reach, resolve.
      const act = (action: string, payload?: unknown) =>
        call('POST', `/api/v1/tasks/${taskId}/${action}`, coordinator, payload);
      const claimed = await json<TaskViewMessage>(await act('claim'));
      assert.equal(claimed.status, 'assigned');
      assert.equal(claimed.assigneeId, 'coord-topo');
      await eventually(
        () => boards.every((b) => b.tasks.get(taskId)?.assigneeId === 'coord-topo'),
        60_000,
        250,
      );
      const missed = await json<TaskViewMessage & { nextAttemptAt: string | null }>(
        await act('attempts', { outcome: 'no_answer' }),
      );
      assert.equal(missed.status, 'open');
      assert.ok(missed.nextAttemptAt);
      await json(await act('claim'));
      const reached = await json<TaskViewMessage>(await act('attempts', { outcome: 'reached_booked' }));
      assert.equal(reached.status, 'in_progress');
      assert.equal(reached.sla.status, 'met');
      const resolved = await json<TaskViewMessage>(await act('resolve', { resolution: 'booked' }));
      assert.equal(resolved.status, 'resolved');

      // A closed task leaves the live queues of both replicas, with no gap in either's deltas.
      await eventually(() => boards.every((b) => !b.tasks.has(taskId)), 60_000, 250);
      for (const b of boards) assert.equal(b.gaps, 0);

      // Reporting (its own process, on the same events) counts the call and the completed callback.
      const day = new Date();
      const from = new Date(day.getTime() - 86_400_000).toISOString();
      const to = new Date(day.getTime() + 86_400_000).toISOString();
      await eventually(
        async () => {
          const res = await call(
            'GET',
            `/api/v1/reports/kpis?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&locationId=topo-clinic`,
            supervisor,
          );
          if (res.status !== 200) return false;
          const k = (await res.json()) as { totalInbound: number; callbacksCompleted: number };
          return k.totalInbound === 1 && k.callbacksCompleted === 1;
        },
        120_000,
        500,
      );
      // The SLA monitor (its own process) answers its read API through the same origin.
      const alerts = await json<{ items: unknown[] }>(await call('GET', '/api/v1/alerts', supervisor));
      assert.ok(Array.isArray(alerts.items));

      // An erasure served by one process (call-ingest, by the route table) reaches the read models of
      // the others from the bus: triage's tasks read model on FerretDB (another process's projection,
      // holding the caller's number in clear) is rebuilt and shows it erased.
      const readModels = await mongoose.createConnection(topology.mongoUrl).asPromise();
      try {
        const tasks = readModels
          .getClient()
          .db(readModels.name)
          .collection<{ _id: string; callerPhone?: string }>('tasks');
        const taskDoc = async () => (await tasks.findOne({ _id: taskId })) ?? undefined;
        assert.equal((await taskDoc())?.callerPhone, '+13035550199');
        const erasure = await call('POST', '/api/v1/admin/erasures', admin, {
          taskId,
          reason: 'patient_request',
        });
        assert.equal(erasure.status, 201, await erasure.clone().text());
        await eventually(async () => (await taskDoc())?.callerPhone === PHI_REDACTED, 120_000, 1_000);
      } finally {
        await readModels.close();
      }

      // Every stored event reached the bus exactly once: each category is relayed by the one service
      // that owns it, not once per process (counted by eventId over every event topic).
      const store = new SqliteEventStore({ path: path.join(dataDir, 'events.sqlite') });
      const stored = await store.readAll();
      await store.close();
      assert.ok(stored.length > 10, `${stored.length} events stored`);
      let census = await topicCensus(brokers, namespace);
      await eventually(
        async () => {
          census = await topicCensus(brokers, namespace);
          return stored.every((e) => census.counts.has(e.envelope.eventId));
        },
        60_000,
        1_000,
      );
      const storedIds = new Set(stored.map((e) => e.envelope.eventId));
      const repeated = [...census.counts].filter(([, n]) => n !== 1);
      assert.deepEqual(repeated, [], 'no event published twice');
      assert.deepEqual(
        [...census.counts.keys()].filter((id) => !storedIds.has(id)),
        [],
        'nothing on the event topics that is not stored',
      );
      assert.equal(census.messages, stored.length);

      // SIGTERM: every process drains and exits 0, and says so in its log.
      for (const b of boards) b.socket.disconnect();
      const exits = await topology.stop();
      topology = undefined;
      for (const e of exits) assert.equal(e.code, 0, `${e.service}#${e.replica} exit code`);
      for (const p of exits) {
        const log = readFileSync(path.join(dataDir, 'logs', `${p.service}-${p.replica}.log`), 'utf8');
        assert.match(
          log,
          /"signal":"SIGTERM".*"msg":"shutting down"|"msg":"shutting down".*"signal":"SIGTERM"/,
        );
      }
    },
  );
});
