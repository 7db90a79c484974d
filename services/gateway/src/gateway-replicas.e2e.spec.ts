import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { logLevel } from 'kafkajs';
import { io, type Socket } from 'socket.io-client';
import { signDevToken } from '@ringback/auth';
import { KafkaBus } from '@ringback/bus-kafka';
import {
  LOCATION_CONFIGURED,
  TASK_VIEW_CHANGED,
  topicForCategory,
  type EventEnvelope,
  type TaskViewMessage,
} from '@ringback/contracts';
import { deterministicUuidV7 } from '@ringback/kernel';
import { eventually, infraEndpoints, requireInfra, uniqueSuffix } from '@ringback/testing';

const FIXTURE = path.join(__dirname, 'test-fixtures', 'gateway-on-kafka.fixture.ts');
const SECRET = 'gateway-replicas-secret-long-enough-for-anything-42';

function startReplica(dataDir: string, brokers: string[]): { child: ChildProcess; url: Promise<string> } {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, dataDir], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, KAFKA_BROKERS: brokers.join(','), AUTH_JWT_SECRET: SECRET },
  });
  const url = new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`gateway replica exited with ${code}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.startsWith('READY ')) resolve(line.slice(6).trim());
    });
  });
  return { child, url };
}

const envelope = (
  type: string,
  streamId: string,
  locationId: string,
  data: unknown,
  at: number,
): EventEnvelope => ({
  eventId: deterministicUuidV7(
    at,
    'gateway-replicas',
    streamId,
    type,
    JSON.stringify(data).length.toString(),
    String(Math.random()),
  ),
  type,
  schemaVersion: 1,
  streamId,
  occurredAt: new Date(at).toISOString(),
  recordedAt: new Date(at).toISOString(),
  correlationId: 'gateway-replicas',
  causationId: null,
  locationId,
  traceparent: null,
  data,
});

describe('two gateway replicas on the real Kafka broker', () => {
  const children: ChildProcess[] = [];
  const sockets: Socket[] = [];
  const dirs: string[] = [];
  let publisher: KafkaBus | undefined;
  after(async () => {
    for (const s of sockets) s.disconnect();
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await publisher?.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it(
    'serve clients of both every delta of the projection-update stream, without sticky sessions',
    { timeout: 120_000 },
    async (t) => {
      const brokers = infraEndpoints().kafkaBrokers ?? requireInfra(t, 'kafka');
      if (!brokers) return;
      // A region of its own, so what earlier runs left on the shared broker never shows here.
      const run = uniqueSuffix().replace(/[^a-z0-9]/gi, '');
      const regionId = `r${run}`;
      const locationId = `loc${run}`;
      publisher = new KafkaBus({
        brokers,
        clientId: `publisher-${run}`,
        partitions: 3,
        logLevel: logLevel.NOTHING,
      });
      const now = Date.now();
      await publisher.publish(
        topicForCategory('location'),
        `location-${locationId}`,
        envelope(
          LOCATION_CONFIGURED,
          `location-${locationId}`,
          locationId,
          {
            locationId,
            name: 'Replica Clinic',
            regionId,
            podId: `pod${run}`,
            timezone: 'America/Denver',
            hours: { mon: [], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [] },
            holidays: [],
            serviceLines: [],
            version: 1,
          },
          now,
        ),
      );

      for (let i = 0; i < 2; i++) {
        const dir = mkdtempSync(path.join(tmpdir(), `ringback-gw-${i}-`));
        dirs.push(dir);
        const replica = startReplica(dir, brokers);
        children.push(replica.child);
        const url = await replica.url;
        const admin = await signDevToken({ role: 'admin' }, SECRET);
        const socket = io(`${url}/wallboard`, {
          auth: { token: admin },
          transports: ['websocket'],
          reconnection: false,
        });
        sockets.push(socket);
        await new Promise<void>((resolve, reject) => {
          socket.once('connect', () => resolve());
          socket.once('connect_error', reject);
        });
      }
      const boards = sockets.map((socket) => {
        const board = { tasks: new Map<string, TaskViewMessage>(), seq: -1, gaps: 0, snapshots: 0 };
        socket.on('queue.snapshot', (s: { seq: number; tasks: TaskViewMessage[] }) => {
          board.snapshots += 1;
          board.tasks = new Map(s.tasks.map((x) => [x.taskId, x]));
          board.seq = s.seq;
        });
        socket.on('queue.delta', (d: { seq: number; upserts: TaskViewMessage[]; removals: string[] }) => {
          if (d.seq !== board.seq + 1) board.gaps += 1;
          board.seq = d.seq;
          for (const x of d.upserts) board.tasks.set(x.taskId, x);
          for (const id of d.removals) board.tasks.delete(id);
        });
        return board;
      });
      // Subscribing needs the replica to know the region's location (it reads the location topic too).
      for (const socket of sockets)
        await eventually(
          async () => {
            const ack = (await socket
              .timeout(5_000)
              .emitWithAck('subscribe', { scope: 'region', id: regionId })) as { ok: boolean };
            return ack.ok;
          },
          60_000,
          250,
        );

      // The projection-update stream: 30 tasks, each changed a few times; a third end resolved.
      const expected = new Map<string, TaskViewMessage>();
      let position = 1_000;
      for (let round = 0; round < 3; round++) {
        for (let i = 0; i < 30; i++) {
          const taskId = `${run}-t${i}`;
          const status: TaskViewMessage['status'] =
            round === 2 && i % 3 === 0 ? 'resolved' : round === 0 ? 'open' : 'assigned';
          const view: TaskViewMessage = {
            taskId,
            locationId,
            regionId,
            podId: `pod${run}`,
            status,
            tier: ((i % 3) + 1) as 1 | 2 | 3,
            intent: 'billing',
            callCount: 1,
            sla: {
              targetMinutes: 60,
              startedAt: new Date(now).toISOString(),
              dueAt: new Date(now + 3_600_000 + i).toISOString(),
              status: 'on_track',
            },
            triage: { policyVersion: 1, rule: 'intent:billing', reasons: [] },
            handoff: null,
            assigneeId: status === 'open' ? null : 'coord-1',
            attemptCount: 0,
            nextAttemptAt: null,
            offer: null,
            repeatCaller: null,
          };
          position += 1;
          await publisher.publish(
            topicForCategory('task_view'),
            `task_view-${taskId}`,
            envelope(
              TASK_VIEW_CHANGED,
              `task_view-${taskId}`,
              locationId,
              { taskId, position: String(position), view },
              now,
            ),
          );
          if (status === 'resolved') expected.delete(taskId);
          else expected.set(taskId, view);
        }
      }
      const state = (b: (typeof boards)[number]) =>
        JSON.stringify([...b.tasks.values()].map((x) => [x.taskId, x.status, x.assigneeId]).sort());
      const want = JSON.stringify(
        [...expected.values()].map((x) => [x.taskId, x.status, x.assigneeId]).sort(),
      );
      await eventually(() => boards.every((b) => state(b) === want), 60_000, 100);
      for (const b of boards) {
        assert.equal(b.gaps, 0, 'gap-free deltas');
        assert.ok(b.seq >= 1, 'deltas followed the snapshot');
      }
      assert.equal(boards[0]!.tasks.size, 20);
    },
  );
});
