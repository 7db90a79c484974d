// Wallboard client process: `count` socket.io clients of namespace /wallboard (contract "Live queues"),
// each with a JWT, subscribed to a region scope; notes when each first sees each task in a
// queue.delta. Raw mode (baseline): clients of a bare socket.io server noting emit-to-receive times.
// Messages: {type:'connect', ...} -> {type:'connected'}; {type:'report', acceptedAt} -> {type:'report'}.
import { io, type Socket } from 'socket.io-client';

interface ConnectSpec {
  type: 'connect';
  url: string;
  count: number;
  /** Tokens and scopes, used round-robin over the clients. */
  tokens: string[];
  scopes: { scope: string; id: string }[];
  raw?: boolean;
}

const now = () => performance.timeOrigin + performance.now();
const sockets: Socket[] = [];
/** taskId -> first-seen instants (one per client that saw it). */
const firstSeen = new Map<string, number[]>();
const rawLatencies: number[] = [];
let deltas = 0;
let snapshots = 0;
let gaps = 0;

function wallboardClient(spec: ConnectSpec, i: number): Promise<void> {
  const socket = io(`${spec.url}/wallboard`, {
    auth: { token: spec.tokens[i % spec.tokens.length] },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  });
  sockets.push(socket);
  const seen = new Set<string>();
  let seq = -1;
  socket.on('queue.snapshot', (s: { seq: number; tasks: { taskId: string }[] }) => {
    snapshots += 1;
    seq = s.seq;
    for (const t of s.tasks) seen.add(t.taskId);
  });
  socket.on('queue.delta', (d: { seq: number; upserts: { taskId: string }[] }) => {
    const t = now();
    deltas += 1;
    if (d.seq !== seq + 1) gaps += 1;
    seq = d.seq;
    for (const u of d.upserts) {
      if (seen.has(u.taskId)) continue;
      seen.add(u.taskId);
      const list = firstSeen.get(u.taskId);
      if (list) list.push(t);
      else firstSeen.set(u.taskId, [t]);
    }
  });
  return new Promise((resolve, reject) => {
    socket.once('connect_error', reject);
    socket.once('connect', () => {
      socket
        .timeout(30_000)
        .emitWithAck('subscribe', spec.scopes[i % spec.scopes.length])
        .then((ack: { ok: boolean; error?: string }) =>
          ack.ok ? resolve() : reject(new Error(`subscribe refused: ${ack.error}`)),
        )
        .catch(reject);
    });
  });
}

function rawClient(spec: ConnectSpec, i: number): Promise<void> {
  const socket = io(spec.url, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    query: { room: spec.scopes[i % spec.scopes.length]!.id },
  });
  sockets.push(socket);
  socket.on('raw', (m: { sentAt: number }) => {
    deltas += 1;
    if (rawLatencies.length < 2_000_000) rawLatencies.push(now() - m.sentAt);
  });
  return new Promise((resolve, reject) => {
    socket.once('connect_error', reject);
    socket.once('joined', () => resolve());
  });
}

async function connect(spec: ConnectSpec): Promise<{ ok: number; failed: number; errors: string[] }> {
  let ok = 0;
  let failed = 0;
  const errors: string[] = [];
  for (let i = 0; i < spec.count; i += 100) {
    const batch = Array.from({ length: Math.min(100, spec.count - i) }, (_, j) =>
      (spec.raw ? rawClient : wallboardClient)(spec, i + j),
    );
    for (const r of await Promise.allSettled(batch)) {
      if (r.status === 'fulfilled') ok += 1;
      else {
        failed += 1;
        if (errors.length < 5) errors.push(String(r.reason));
      }
    }
    process.send?.({ type: 'progress', connected: ok + failed });
  }
  return { ok, failed, errors };
}

/** Up to `max` evenly spaced samples, so reports stay small whatever N is. */
function thin(samples: number[], max: number): number[] {
  if (samples.length <= max) return samples;
  const step = samples.length / max;
  return Array.from({ length: max }, (_, i) => samples[Math.floor(i * step)]!);
}

process.on('message', (raw) => {
  const msg = raw as { type: string } & Record<string, unknown>;
  if (msg.type === 'connect') {
    connect(msg as unknown as ConnectSpec).then(
      (r) => process.send?.({ type: 'connected', ...r }),
      (e: unknown) => process.send?.({ type: 'error', error: String(e) }),
    );
  } else if (msg.type === 'reset') {
    firstSeen.clear();
    rawLatencies.length = 0;
    deltas = 0;
    process.send?.({ type: 'reset' });
  } else if (msg.type === 'report') {
    const acceptedAt = (msg['acceptedAt'] ?? {}) as Record<string, number>;
    const latencies: number[] = [...rawLatencies];
    let unknown = 0;
    for (const [taskId, times] of firstSeen) {
      const t0 = acceptedAt[taskId];
      if (t0 === undefined) {
        unknown += times.length;
        continue;
      }
      for (const t of times) latencies.push(t - t0);
    }
    const seenTasks = [...firstSeen.keys()].filter((id) => acceptedAt[id] !== undefined).length;
    process.send?.({
      type: 'report',
      samples: thin(latencies, 200_000),
      count: latencies.length,
      seenTasks,
      unknown,
      deltas,
      snapshots,
      gaps,
    });
  }
});
process.on('SIGTERM', () => {
  for (const s of sockets) s.disconnect();
  process.exit(0);
});
process.send?.({ type: 'ready' });
// The parent went away (killed, or crashed): nothing left to serve.
process.on('disconnect', () => process.exit(1));
