import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { io, type Socket } from 'socket.io-client';
import { signDevToken, type DevTokenClaims } from '@ringback/auth';
import type { EventEnvelope, TaskViewMessage } from '@ringback/contracts';
import { eventually } from '@ringback/testing';
import {
  E2E_SECRET,
  aurora,
  boston,
  inboundContact,
  configureLocations,
  startRingback,
  type RunningRingback,
} from './test-fixtures/all-in-one.harness';

interface Snapshot {
  scope: string;
  id: string;
  seq: number;
  tasks: TaskViewMessage[];
  stats: { total: number };
}
interface Delta {
  scope: string;
  id: string;
  seq: number;
  upserts: TaskViewMessage[];
  removals: string[];
}

/** A wallboard client that applies snapshot and deltas as the contract says, resubscribing on a gap. */
class Board {
  readonly tasks = new Map<string, TaskViewMessage>();
  readonly seen = new Set<string>();
  seq = -1;
  snapshots = 0;
  gaps = 0;
  constructor(
    readonly socket: Socket,
    readonly scope: { scope: string; id: string },
  ) {
    // Listeners are per socket and a socket may hold several subscriptions: each board reads its own scope only.
    socket.on('queue.snapshot', (s: Snapshot) => {
      if (!this.mine(s)) return;
      this.snapshots += 1;
      this.tasks.clear();
      for (const t of s.tasks) this.note(t);
      this.seq = s.seq;
    });
    socket.on('queue.delta', (d: Delta) => {
      if (!this.mine(d)) return;
      if (d.seq !== this.seq + 1) {
        this.gaps += 1;
        // A socket closed before the answer rejects; the next delta or the test's own checks notice the loss.
        this.subscribe().catch(() => undefined);
        return;
      }
      this.seq = d.seq;
      for (const t of d.upserts) this.note(t);
      for (const id of d.removals) this.tasks.delete(id);
    });
  }
  private mine(m: { scope: string; id: string }): boolean {
    return m.scope === this.scope.scope && m.id === this.scope.id;
  }
  private note(t: TaskViewMessage): void {
    this.tasks.set(t.taskId, t);
    this.seen.add(`${t.regionId}/${t.taskId}`);
  }
  subscribe(): Promise<{ ok: boolean; error?: string }> {
    return this.socket.timeout(5_000).emitWithAck('subscribe', this.scope) as Promise<{
      ok: boolean;
      error?: string;
    }>;
  }
}

describe('live queues over socket.io (/wallboard)', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'ringback-wallboard-'));
  let rb: RunningRingback;
  const sockets: Socket[] = [];
  const token = (claims: DevTokenClaims) => signDevToken(claims, E2E_SECRET);
  let admin: string;

  const connect = async (bearer: string): Promise<Socket> => {
    const socket = io(`${rb.service.url}/wallboard`, {
      auth: { token: bearer },
      transports: ['websocket'],
      reconnection: false,
    });
    sockets.push(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    return socket;
  };
  let calls = 0;
  const call = async (
    locationId: 'aurora' | 'boston',
    data: Partial<EventEnvelope['data'] & object> = {},
  ) => {
    calls += 1;
    const from =
      locationId === 'aurora' ? `+1303555${String(1000 + calls)}` : `+1617555${String(1000 + calls)}`;
    const event = inboundContact(
      { taskId: `wb-${calls}`, providerCallId: `wb-call-${calls}`, locationId, from, ...data },
      new Date().toISOString(),
    );
    await rb.adapters.eventStore.appendToStream(event.streamId, [event], { expectedRevision: 'no_stream' });
    return event.data.taskId;
  };
  const live = async (regionId: string) => {
    const res = await fetch(`${rb.service.url}/api/v1/tasks?regionId=${regionId}`, {
      headers: { authorization: `Bearer ${admin}` },
    });
    const items = ((await res.json()) as { items: TaskViewMessage[] }).items;
    return items.filter((t) => ['open', 'assigned', 'in_progress', 'escalated'].includes(t.status));
  };
  const sameAs = (board: Board, tasks: TaskViewMessage[]) =>
    JSON.stringify([...board.tasks.values()].map((t) => [t.taskId, t.status]).sort()) ===
    JSON.stringify(tasks.map((t) => [t.taskId, t.status]).sort());

  before(async () => {
    rb = await startRingback(dataDir);
    admin = await token({ role: 'admin' });
    await configureLocations(rb, admin, { aurora, boston });
  });
  after(async () => {
    for (const s of sockets) s.disconnect();
    await rb?.service.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses a bad token at the handshake and a scope outside the token', async () => {
    await assert.rejects(connect('not-a-jwt'), /unauthorized/);
    await assert.rejects(connect(''), /unauthorized/);
    const west = await connect(await token({ role: 'supervisor', regions: ['west'] }));
    const board = new Board(west, { scope: 'region', id: 'east' });
    assert.deepEqual(await board.subscribe(), { ok: false, error: 'forbidden' });
    const coordinator = await connect(await token({ role: 'coordinator', pods: ['pod-mountain'] }));
    assert.deepEqual(await new Board(coordinator, { scope: 'pod', id: 'pod-harbor' }).subscribe(), {
      ok: false,
      error: 'forbidden',
    });
    assert.deepEqual(await new Board(coordinator, { scope: 'location', id: 'boston' }).subscribe(), {
      ok: false,
      error: 'forbidden',
    });
    assert.deepEqual(await new Board(coordinator, { scope: 'location', id: 'aurora' }).subscribe(), {
      ok: true,
    });
    assert.deepEqual(await new Board(coordinator, { scope: 'galaxy', id: 'x' }).subscribe(), {
      ok: false,
      error: 'invalid_subscription',
    });
  });

  it('sends a snapshot, then gap-free deltas; a region never sees another region’s task; a reconnect converges', async () => {
    const westToken = await token({ role: 'supervisor', sub: 'sup-west', regions: ['west'] });
    const west = new Board(await connect(westToken), { scope: 'region', id: 'west' });
    const east = new Board(await connect(await token({ role: 'supervisor', regions: ['east'] })), {
      scope: 'region',
      id: 'east',
    });
    assert.deepEqual(await west.subscribe(), { ok: true });
    assert.deepEqual(await east.subscribe(), { ok: true });
    await eventually(() => west.snapshots === 1 && east.snapshots === 1);
    assert.equal(west.seq, 0);

    const first = await call('aurora', { intent: 'new_patient' });
    await eventually(() => west.tasks.has(first), 5_000);
    assert.ok(west.seq >= 1, 'a delta followed the snapshot');
    assert.equal(west.tasks.get(first)!.tier, 2);

    // A randomized run: calls at both regions, some claimed and resolved, while one client drops and comes back.
    const coordinator = await token({ role: 'admin', sub: 'coord-x' });
    let dropped: Board | undefined;
    for (let i = 0; i < 120; i++) {
      const at = Math.random() < 0.5 ? 'aurora' : 'boston';
      const taskId = await call(at, { intent: Math.random() < 0.5 ? 'billing' : 'new_patient' });
      if (Math.random() < 0.3) {
        await eventually(
          async () =>
            (
              await fetch(`${rb.service.url}/api/v1/tasks/${taskId}`, {
                headers: { authorization: `Bearer ${admin}` },
              })
            ).status === 200,
        );
        const act = (action: string, body: unknown = {}) =>
          fetch(`${rb.service.url}/api/v1/tasks/${taskId}/${action}`, {
            method: 'POST',
            headers: { authorization: `Bearer ${coordinator}`, 'content-type': 'application/json' },
            body: JSON.stringify(body),
          });
        assert.equal((await act('claim')).status, 200);
        if (Math.random() < 0.5)
          assert.equal((await act('resolve', { resolution: 'handled_elsewhere' })).status, 200);
      }
      if (i === 45) {
        west.socket.disconnect();
        dropped = west;
      }
      if (i === 90 && dropped) {
        const again = new Board(await connect(westToken), { scope: 'region', id: 'west' });
        assert.deepEqual(await again.subscribe(), { ok: true });
        dropped = again;
      }
    }
    const westNow = dropped!;
    await eventually(
      async () => sameAs(westNow, await live('west')) && sameAs(east, await live('east')),
      10_000,
    );
    for (const seen of [...west.seen, ...westNow.seen])
      assert.ok(seen.startsWith('west/'), `west saw ${seen}`);
    for (const seen of east.seen) assert.ok(seen.startsWith('east/'), `east saw ${seen}`);
    assert.equal(east.gaps, 0);
    const metrics = await (await fetch(`${rb.service.url}/metrics`)).text();
    assert.match(metrics, /ringback_gateway_connected_sockets(\{[^}]*\})? [1-9]/);
    assert.match(metrics, /ringback_gateway_subscriptions\{[^}]*scope="region"[^}]*\} [1-9]/);
    assert.match(metrics, /ringback_gateway_delta_latency_seconds_count(\{[^}]*\})? [1-9]/);
  });

  it('carries tile figures: coordinators available for the scope, updated when presence changes', async () => {
    const admin = await token({ role: 'admin' });
    const put = await fetch(`${rb.service.url}/api/v1/admin/coordinators/tile-ann`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Ann', podIds: ['pod-mountain'], languages: ['en'] }),
    });
    assert.equal(put.status, 200);
    const socket = await connect(admin);
    const stats: { coordinatorsAvailable: number; last24h: { met: number; breached: number } }[] = [];
    socket.on('queue.snapshot', (s: { stats: (typeof stats)[number] }) => stats.push(s.stats));
    socket.on('queue.delta', (d: { stats?: (typeof stats)[number] }) => d.stats && stats.push(d.stats));
    const board = new Board(socket, { scope: 'region', id: 'west' });
    assert.deepEqual(await board.subscribe(), { ok: true });
    await eventually(() => stats.length >= 1);
    assert.equal(stats.at(-1)!.coordinatorsAvailable, 0);
    const ann = await token({ role: 'coordinator', sub: 'tile-ann', pods: ['pod-mountain'] });
    const presence = await fetch(`${rb.service.url}/api/v1/coordinators/tile-ann/presence`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${ann}`, 'content-type': 'application/json' },
      body: JSON.stringify({ presence: 'away' }),
    });
    assert.equal(presence.status, 200);
    const available = await fetch(`${rb.service.url}/api/v1/coordinators/tile-ann/presence`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${ann}`, 'content-type': 'application/json' },
      body: JSON.stringify({ presence: 'available' }),
    });
    assert.equal(available.status, 200);
    await eventually(() => stats.at(-1)!.coordinatorsAvailable === 1, 5_000);
  });
});

describe('live queues: a short drop recovers without a new snapshot', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'ringback-wallboard-recovery-'));
  let rb: RunningRingback;
  let socket: Socket | undefined;
  before(async () => {
    rb = await startRingback(dataDir);
    await configureLocations(rb, await signDevToken({ role: 'admin' }, E2E_SECRET), { aurora });
  });
  after(async () => {
    socket?.disconnect();
    await rb?.service.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('replays the deltas missed while the connection was down', async () => {
    const supervisor = await signDevToken({ role: 'supervisor', regions: ['west'] }, E2E_SECRET);
    socket = io(`${rb.service.url}/wallboard`, {
      auth: { token: supervisor },
      transports: ['websocket'],
      reconnectionDelay: 100,
      reconnectionDelayMax: 200,
    });
    const board = new Board(socket, { scope: 'region', id: 'west' });
    await new Promise<void>((resolve) => socket!.once('connect', () => resolve()));
    assert.deepEqual(await board.subscribe(), { ok: true });
    await eventually(() => board.snapshots === 1);
    const append = async (n: number) => {
      const event = inboundContact(
        {
          taskId: `rec-${n}`,
          providerCallId: `rec-call-${n}`,
          locationId: 'aurora',
          from: `+130355520${10 + n}`,
        },
        new Date().toISOString(),
      );
      await rb.adapters.eventStore.appendToStream(event.streamId, [event], { expectedRevision: 'no_stream' });
    };
    await append(1);
    await eventually(() => board.tasks.has('rec-1'));
    // The network drops (the engine closes under the client), calls keep coming, then it reconnects.
    const reconnected = new Promise<void>((resolve) => socket!.once('connect', () => resolve()));
    socket.io.engine.close();
    await append(2);
    await append(3);
    await reconnected;
    assert.equal(socket.recovered, true, 'the session was recovered');
    await eventually(() => board.tasks.has('rec-2') && board.tasks.has('rec-3'), 5_000);
    assert.equal(board.snapshots, 1, 'no new snapshot was needed');
    assert.equal(board.gaps, 0);
  });
});

describe('live queues: bursts and slow clients', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'ringback-wallboard-burst-'));
  let rb: RunningRingback;
  let socket: Socket | undefined;
  before(async () => {
    // A long window and a tiny buffer, so a burst both coalesces and overflows.
    rb = await startRingback(dataDir, {
      env: { GATEWAY_COALESCE_MS: '500', GATEWAY_MAX_PENDING_CHANGES: '5' },
    });
    await configureLocations(rb, await signDevToken({ role: 'admin' }, E2E_SECRET), { aurora });
  });
  after(async () => {
    socket?.disconnect();
    await rb?.service.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('coalesces a burst into few deltas, and drops a client that falls behind to a fresh snapshot', async () => {
    const admin = await signDevToken({ role: 'admin' }, E2E_SECRET);
    socket = io(`${rb.service.url}/wallboard`, {
      auth: { token: admin },
      transports: ['websocket'],
      reconnection: false,
    });
    await new Promise<void>((resolve) => socket!.once('connect', () => resolve()));
    const board = new Board(socket, { scope: 'location', id: 'aurora' });
    let deltas = 0;
    socket.on('queue.delta', () => (deltas += 1));
    assert.deepEqual(await board.subscribe(), { ok: true });
    await eventually(() => board.snapshots === 1);
    for (let i = 0; i < 3; i++) {
      const event = inboundContact(
        {
          taskId: `burst-small-${i}`,
          providerCallId: `burst-small-${i}`,
          locationId: 'aurora',
          from: `+1303555300${i}`,
        },
        new Date().toISOString(),
      );
      await rb.adapters.eventStore.appendToStream(event.streamId, [event], { expectedRevision: 'no_stream' });
    }
    await eventually(() => board.tasks.size === 3, 5_000);
    assert.ok(deltas < 3, `three changes in one window went out as ${deltas} delta(s)`);
    assert.equal(board.snapshots, 1);

    for (let i = 0; i < 20; i++) {
      const event = inboundContact(
        {
          taskId: `burst-${i}`,
          providerCallId: `burst-${i}`,
          locationId: 'aurora',
          from: `+130355531${String(i).padStart(2, '0')}`,
        },
        new Date().toISOString(),
      );
      await rb.adapters.eventStore.appendToStream(event.streamId, [event], { expectedRevision: 'no_stream' });
    }
    await eventually(() => board.tasks.size === 23, 10_000);
    assert.ok(board.snapshots >= 2, 'the overflowing subscription was resnapshotted');
    assert.equal(board.gaps, 0, 'the fresh snapshot continues the sequence');
    const metrics = await (await fetch(`${rb.service.url}/metrics`)).text();
    assert.match(metrics, /ringback_gateway_resnapshots_total(\{[^}]*\})? [1-9]/);
  });
});

describe('the wallboard page', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'ringback-wallboard-ui-'));
  let rb: RunningRingback;
  before(async () => {
    rb = await startRingback(dataDir);
  });
  after(async () => {
    await rb?.service.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is served at / with its script, style and the socket.io client', async () => {
    const page = await fetch(`${rb.service.url}/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    const html = await page.text();
    assert.match(html, /<title>Ringback/);
    for (const asset of ['/ui/wallboard.js', '/ui/wallboard.css', '/socket.io/socket.io.js']) {
      assert.ok(html.includes(asset), asset);
      assert.equal((await fetch(`${rb.service.url}${asset}`)).status, 200, asset);
    }
  });

  it('signs demo users in only in development with the dev secret, or in tests', async () => {
    const res = await fetch(`${rb.service.url}/api/v1/dev/demo-users`);
    assert.equal(res.status, 200);
    const { users } = (await res.json()) as { users: { id: string; token: string }[] };
    assert.ok(users.some((u) => u.id === 'sup-west'));
    const west = users.find((u) => u.id === 'sup-west')!;
    const me = await fetch(`${rb.service.url}/api/v1/tasks`, {
      headers: { authorization: `Bearer ${west.token}` },
    });
    assert.equal(me.status, 200, 'the demo token is a real one');

    const other = mkdtempSync(path.join(tmpdir(), 'ringback-wallboard-dev-'));
    const dev = await startRingback(other, { env: { NODE_ENV: 'development' } });
    try {
      assert.equal(
        (await fetch(`${dev.service.url}/api/v1/dev/demo-users`)).status,
        404,
        'a custom secret: no demo sign-in',
      );
    } finally {
      await dev.service.close();
      rmSync(other, { recursive: true, force: true });
    }
  });
});
