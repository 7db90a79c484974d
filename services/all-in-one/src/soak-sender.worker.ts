// The soak test's webhook sender, in a worker thread of its own (see soak.ts): a caller's HTTP client
// is not part of the process under test, so its event loop and its garbage must not be either.
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { signWebhook } from '@ringback/auth';

export interface SoakSenderData {
  /** Base URL of the process under test. */
  url: string;
  webhookSecret: string;
  locationId: string;
}

/** What the soak asks of its sender; each request is answered with `{ id, result }` or `{ id, error }`. */
export type SoakSenderRequest =
  | { id: number; kind: 'probe'; untilMs: number; senders: number; backdateMs: number }
  | { id: number; kind: 'run'; rate: number; untilMs: number; backdateMs: number }
  | { id: number; kind: 'window' };

/** The calls answered since the last `window` request (or since a probe or run started). */
export interface SoakSenderWindow {
  sent: number;
  accepted: number;
  failed: number;
  p50Ms: number;
  p99Ms: number;
  /** Every call sent so far, probe included. */
  total: number;
}

const INTENTS = ['new_patient', 'reschedule', 'billing', 'referral', 'records', 'urgent_symptom'];
const data = workerData as SoakSenderData;
const port = parentPort;
if (!port) throw new Error('soak-sender.worker runs as a worker thread of soak.ts');

let seq = 0;
let sent = 0;
let accepted = 0;
let failed = 0;
let latencies: number[] = [];

const quantile = (sorted: number[], q: number) =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

async function call(backdateMs: number): Promise<void> {
  const i = seq++;
  sent += 1;
  const body = JSON.stringify({
    providerCallId: `soak-${i}`,
    locationId: data.locationId,
    // A new caller every call: nobody works the soak's queue, so no call joins an open task.
    from: `+1303${String(2_000_000 + (i % 7_000_000)).padStart(7, '0')}`,
    occurredAt: new Date(Date.now() - backdateMs).toISOString(),
    intent: INTENTS[i % INTENTS.length],
  });
  const ts = Math.floor(Date.now() / 1000);
  const started = performance.now();
  try {
    const res = await fetch(`${data.url}/api/v1/calls/missed`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-ringback-timestamp': String(ts),
        'x-ringback-signature': signWebhook(data.webhookSecret, ts, body),
      },
      body,
    });
    await res.arrayBuffer();
    if (res.status === 202) accepted += 1;
    else failed += 1;
  } catch {
    failed += 1;
  }
  latencies.push(performance.now() - started);
}

function takeWindow(): SoakSenderWindow {
  const sorted = latencies.sort((a, b) => a - b);
  const window = {
    sent,
    accepted,
    failed,
    p50Ms: Number(quantile(sorted, 0.5).toFixed(1)),
    p99Ms: Number(quantile(sorted, 0.99).toFixed(1)),
    total: seq,
  };
  sent = 0;
  accepted = 0;
  failed = 0;
  latencies = [];
  return window;
}

/** `senders` callers back to back until `untilMs`. */
async function probe(untilMs: number, senders: number, backdateMs: number): Promise<SoakSenderWindow> {
  takeWindow();
  await Promise.all(
    Array.from({ length: senders }, async () => {
      while (Date.now() < untilMs) await call(backdateMs);
    }),
  );
  return takeWindow();
}

/** Open loop: a call every 1/rate s until `untilMs`, whatever the answers; resolves once all are answered. */
async function run(rate: number, untilMs: number, backdateMs: number): Promise<number> {
  takeWindow();
  const inFlight = new Set<Promise<void>>();
  const intervalMs = 1000 / rate;
  let next = Date.now();
  while (Date.now() < untilMs) {
    next += intervalMs;
    const p = call(backdateMs).finally(() => inFlight.delete(p));
    inFlight.add(p);
    const wait = next - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  await Promise.all(inFlight);
  return seq;
}

port.on('message', (request: SoakSenderRequest) => {
  const answer = (work: () => unknown): void => {
    Promise.resolve()
      .then(work)
      .then(
        (result) => port.postMessage({ id: request.id, result }),
        (error: unknown) => port.postMessage({ id: request.id, error: String(error) }),
      );
  };
  if (request.kind === 'probe') answer(() => probe(request.untilMs, request.senders, request.backdateMs));
  else if (request.kind === 'run') answer(() => run(request.rate, request.untilMs, request.backdateMs));
  else answer(() => takeWindow());
});
