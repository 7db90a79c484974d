// Load generator process: signed missed-call webhooks (contract "Calls (signed webhook)") over
// keep-alive HTTP on loopback. Forked by a benchmark; gets a LoadSpec over IPC, answers a LoadReport.
//   closed loop: `concurrency` requests always in flight, for `durationMs` (the maximum rate)
//   open loop:   `rate` requests a second on a fixed schedule (latency at a chosen load)
// With `retry`, a request that fails (connection refused or reset, 5xx) is sent again with the same
// providerCallId until it is accepted, as a telephony provider retries its webhook.
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { signWebhook } from '@ringback/auth';
import { callerNumber } from '../lib/caller-number';

export interface LoadSpec {
  url: string;
  secret: string;
  locations: string[];
  mode: 'closed' | 'open';
  concurrency?: number;
  rate?: number;
  durationMs: number;
  /** Distinct caller numbers: each worker gets its own block (offset .. offset + 1,000,000). */
  numberOffset: number;
  /** Record taskId -> accepted instant (ms since the epoch, fractional) for every accepted call. */
  recordAccepted?: boolean;
  retry?: boolean;
  /** Most requests in flight in open loop (more is recorded as `behind`). */
  maxInFlight?: number;
}

export interface LoadReport {
  sent: number;
  accepted: number;
  statuses: Record<string, number>;
  networkErrors: number;
  retries: number;
  behind: number;
  startedAt: number;
  endedAt: number;
  /** Request round trips of accepted calls, ms. */
  roundTripsMs: number[];
  /** Every 100th accepted taskId and the last 50. */
  sampleTaskIds: string[];
  /** taskId -> accepted instant, when asked. */
  accepted_at?: Record<string, number>;
  /** providerCallId -> taskId of every accepted call (retry mode: to check loss and duplicates). */
  calls?: Record<string, string>;
}

const INTENTS = ['new_patient', 'returning_patient', 'referral', null] as const;
const now = () => performance.timeOrigin + performance.now();

async function run(spec: LoadSpec): Promise<LoadReport> {
  const target = new URL('/api/v1/calls/missed', spec.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: spec.concurrency ?? spec.maxInFlight ?? 256 });
  const report: LoadReport = {
    sent: 0,
    accepted: 0,
    statuses: {},
    networkErrors: 0,
    retries: 0,
    behind: 0,
    startedAt: now(),
    endedAt: 0,
    roundTripsMs: [],
    sampleTaskIds: [],
    ...(spec.recordAccepted ? { accepted_at: {} } : {}),
    ...(spec.retry ? { calls: {} } : {}),
  };
  const last: string[] = [];
  let counter = 0;
  let inFlight = 0;

  const post = (body: string) =>
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      const ts = Math.floor(Date.now() / 1000);
      const req = http.request(
        target,
        {
          method: 'POST',
          agent,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            'x-ringback-timestamp': String(ts),
            'x-ringback-signature': signWebhook(spec.secret, ts, body),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });

  const one = async (): Promise<void> => {
    const n = counter++;
    const providerCallId = randomUUID();
    const body = JSON.stringify({
      providerCallId,
      locationId: spec.locations[n % spec.locations.length],
      from: callerNumber(spec.numberOffset + n),
      callerName: 'Bench Caller',
      occurredAt: new Date().toISOString(),
      intent: INTENTS[n % INTENTS.length],
      transcript:
        n % 5 === 0 ? 'Hi, I would like to book a first visit next week, please call me back.' : null,
    });
    for (;;) {
      const t0 = now();
      report.sent += 1;
      try {
        const res = await post(body);
        report.statuses[res.status] = (report.statuses[res.status] ?? 0) + 1;
        if (res.status === 202) {
          const t1 = now();
          const { taskId } = JSON.parse(res.text) as { taskId: string };
          report.accepted += 1;
          if (report.roundTripsMs.length < 200_000) report.roundTripsMs.push(t1 - t0);
          if (report.accepted % 100 === 0) report.sampleTaskIds.push(taskId);
          last.push(taskId);
          if (last.length > 50) last.shift();
          if (report.accepted_at) report.accepted_at[taskId] = t1;
          if (report.calls) report.calls[providerCallId] = taskId;
          return;
        }
        if (!spec.retry || res.status < 500) return;
      } catch {
        report.networkErrors += 1;
        if (!spec.retry) return;
      }
      report.retries += 1;
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  const stopAt = report.startedAt + spec.durationMs;
  if (spec.mode === 'closed') {
    const lanes = Array.from({ length: spec.concurrency ?? 32 }, async () => {
      while (now() < stopAt) await one();
    });
    await Promise.all(lanes);
  } else {
    const rate = spec.rate ?? 100;
    const maxInFlight = spec.maxInFlight ?? 512;
    const all: Promise<void>[] = [];
    let issued = 0;
    while (now() < stopAt) {
      const due = Math.floor(((now() - report.startedAt) / 1000) * rate);
      while (issued < due) {
        issued += 1;
        if (inFlight >= maxInFlight) {
          report.behind += 1;
          continue;
        }
        inFlight += 1;
        all.push(one().finally(() => (inFlight -= 1)));
      }
      await new Promise((r) => setTimeout(r, 2));
    }
    await Promise.all(all);
  }
  report.endedAt = now();
  report.sampleTaskIds.push(...last);
  agent.destroy();
  return report;
}

process.on('message', (raw) => {
  const spec = raw as LoadSpec;
  run(spec).then(
    (report) => process.send?.({ type: 'done', report }, () => process.exit(0)),
    (error: unknown) => {
      process.send?.({ type: 'error', error: String(error) }, () => process.exit(1));
    },
  );
});
process.send?.({ type: 'ready' });
// The parent went away (killed, or crashed): nothing left to serve.
process.on('disconnect', () => process.exit(1));
