import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import { signDevToken } from '@ringback/auth';
import { VirtualClock } from '@ringback/kernel';
import { createLogger } from '@ringback/observability';
import type { PhiEncryptingEventStore } from '@ringback/phi';
import {
  E2E_SECRET,
  E2E_WEBHOOK_SECRET,
  startRingback,
  type RunningRingback,
} from './test-fixtures/all-in-one.harness';
import { inProcessHost } from './test-fixtures/day-host';
import { inProcessStoryHooks } from './test-fixtures/kept-appointment.host';
import { STORY_START, runKeptAppointmentStory } from './test-fixtures/kept-appointment.scenario';

// The story's patients (kept-appointment.scenario.ts) and one more voicemail caller with a transcript.
const NAMES = ['Dana Reyes', 'Ezekiel Marchetti'];
const NUMBERS = ['+13035550101', '+13035550202', '+13035550303', '+13035550404'];
const WORDS = 'the rash on my leg is spreading since the hike';

/** Every way a log line, label or message might spell a number. */
function spellings(e164: string): string[] {
  const d = e164.slice(2); // 10 national digits
  return [
    e164,
    e164.slice(1),
    d,
    `${d.slice(0, 3)}-${d.slice(3, 6)}-${d.slice(6)}`,
    `(${d.slice(0, 3)}) ${d.slice(3, 6)}-${d.slice(6)}`,
    `${d.slice(0, 3)} ${d.slice(3, 6)} ${d.slice(6)}`,
  ];
}
const NEEDLES = [...NAMES, WORDS, ...NUMBERS.flatMap(spellings)];

function leaks(where: string, text: string): string[] {
  return NEEDLES.filter((n) => text.includes(n)).map((n) => `${where}: ${n}`);
}

describe('PHI never appears in logs, metrics, trace attributes, error bodies or stored bytes of a full end-to-end run', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'ringback-phi-scan-'));
  let rb: RunningRingback | undefined;
  after(async () => {
    await rb?.service.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('scans everything a missed call, a booking, reminders, two-way SMS, a waitlist refill and bad requests emitted', async () => {
    const logLines: string[] = [];
    const exporter = new InMemorySpanExporter();
    const clock = new VirtualClock(STORY_START);
    rb = await startRingback(dataDir, {
      clock,
      env: {
        ROUTING_INTERVAL_MS: '0',
        SLA_TIMER_INTERVAL_MS: '0',
        SCHEDULING_INTERVAL_MS: '0',
        MESSAGES_INTERVAL_MS: '0',
        PHI_RETENTION_INTERVAL_MS: '0',
      },
      logger: createLogger({
        service: 'ringback',
        level: 'trace',
        destination: { write: (line: string) => void logLines.push(line) },
      }),
      tracing: { exporter },
    });
    const url = rb.service.url;
    await runKeptAppointmentStory(
      inProcessHost(rb.service, rb.adapters, clock),
      inProcessStoryHooks(rb.service, rb.adapters),
    );

    const errorBodies: string[] = [];
    const signed = async (p: string, body: Record<string, unknown>) => {
      const raw = JSON.stringify(body);
      const ts = Math.floor(clock.now() / 1000);
      const res = await fetch(`${url}${p}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-ringback-timestamp': String(ts),
          'x-ringback-signature': `sha256=${createHmac('sha256', E2E_WEBHOOK_SECRET).update(`${ts}.${raw}`).digest('hex')}`,
        },
        body: raw,
      });
      const text = await res.text();
      if (res.status >= 400) errorBodies.push(text);
      return { status: res.status, text };
    };
    const occurredAt = new Date(clock.now()).toISOString();
    // A voicemail with a name and symptoms, then a coordinator reads who to call back (audited).
    const vm = await signed('/api/v1/calls/voicemail', {
      providerCallId: 'CA-SCAN-1',
      locationId: 'aurora',
      from: '+1 (303) 555-0404',
      callerName: 'Ezekiel Marchetti',
      transcript: WORDS,
      occurredAt,
    });
    assert.equal(vm.status, 202, vm.text);
    const admin = await signDevToken({ sub: 'root', role: 'admin' }, E2E_SECRET);
    const { taskId } = JSON.parse(vm.text) as { taskId: string };
    await inProcessHost(rb.service, rb.adapters, clock).settle();
    const contact = await fetch(`${url}/api/v1/tasks/${taskId}/contact`, {
      headers: { authorization: `Bearer ${admin}` },
    });
    assert.match(await contact.text(), /Ezekiel Marchetti/, 'the authorised read does show the PHI');

    // Bad requests that carry PHI: their error bodies must not echo it.
    const bad: { status: number }[] = [
      await signed('/api/v1/calls/missed', {
        providerCallId: 'CA-SCAN-2',
        locationId: 'aurora',
        from: 'Dana Reyes 303-555-0101 ext',
        occurredAt,
      }),
      await signed('/api/v1/calls/missed', {
        providerCallId: 'CA-SCAN-3',
        locationId: 'nowhere',
        from: '+13035550101',
        callerName: 'Dana Reyes',
        occurredAt,
      }),
      await signed('/api/v1/calls/voicemail', {
        providerCallId: 'CA-SCAN-4',
        locationId: 'aurora',
        from: '+13035550202',
        transcript: 42,
        callerName: 'Dana Reyes',
        occurredAt,
      }),
      await signed('/api/v1/messages/inbound', {
        providerMessageId: 'SM-SCAN-1',
        from: '303555010',
        body: WORDS,
      }),
    ];
    const userRequests: [string, string, unknown][] = [
      [
        'POST',
        '/api/v1/appointments',
        {
          slotId: 'x',
          appointmentTypeId: 'y',
          newPatient: true,
          patient: {
            patientRef: 'p',
            phone: '+1303555030',
            email: 'Dana Reyes@example',
            preferredChannel: 'sms',
            language: 'en',
          },
        },
      ],
      ['GET', '/api/v1/tasks?locationId=%2B13035550101&tier=Dana%20Reyes', undefined],
      ['POST', '/api/v1/admin/erasures', { phone: '+1303555010', reason: 'because Dana Reyes asked' }],
      ['POST', `/api/v1/tasks/${taskId}/attempts`, { outcome: 'Dana Reyes 3035550404', notes: WORDS }],
    ];
    for (const [method, p, body] of userRequests) {
      const res = await fetch(`${url}${p}`, {
        method,
        headers: {
          authorization: `Bearer ${admin}`,
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      bad.push({ status: res.status });
      errorBodies.push(await res.text());
    }
    for (const b of bad) assert.ok(b.status >= 400 && b.status < 500, `bad request answered ${b.status}`);

    const metrics = await (await fetch(`${url}/metrics`)).text();
    const storedEvents = JSON.stringify(
      (await (rb.adapters.eventStore as PhiEncryptingEventStore).inner.readAll()).map((r) => r.envelope),
    );
    // Read before close: shutting tracing down empties the in-memory exporter.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const spans = [...exporter.getFinishedSpans()];
    await rb.service.close();
    rb = undefined;
    assert.ok(spans.length > 50, `spans were recorded (${spans.length})`);
    assert.ok(logLines.length > 100, `logs were captured (${logLines.length})`);
    assert.match(metrics, /ringback_messages_sent_total/);

    // The files under DATA_DIR (event store, bus log, key store, with their WAL), read as bytes. The
    // embedded outbox is left out: it stands in for the SMS provider and holds what was "sent".
    const dataFiles = readdirSync(dataDir)
      .filter((name) => !name.startsWith('outbox.sqlite'))
      .map((name) => ({ name, text: readFileSync(path.join(dataDir, name)).toString('latin1') }));
    assert.ok(
      dataFiles.some((f) => f.name === 'events.sqlite') &&
        dataFiles.some((f) => f.name === 'phi-keys.sqlite'),
    );
    const spanText = JSON.stringify(
      spans.map((s) => ({ name: s.name, attributes: s.attributes, events: s.events, status: s.status })),
    );
    const found = [
      ...leaks('logs', logLines.join('\n')),
      ...leaks('metrics', metrics),
      ...leaks('event store', storedEvents),
      ...dataFiles.flatMap((f) => leaks(f.name, f.text)),
      ...leaks('traces', spanText),
      ...errorBodies.flatMap((b, i) => leaks(`error body ${i}`, b)),
    ];
    assert.deepEqual(found, [], `PHI found:\n${found.join('\n')}`);
  });
});
