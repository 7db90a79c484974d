import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { signDevToken } from '@ringback/auth';
import { loadConfig } from '@ringback/config';
import { isUuidV7 } from '@ringback/kernel';
import { bootstrapService, type RunningService } from '@ringback/nest-platform';
import { createLogger } from '@ringback/observability';
import { createPlatformAdapters, type PlatformAdapters } from '@ringback/runtime';
import { AllInOneModule } from './all-in-one.module';

const SECRET = 'calls-e2e-jwt-secret-long-enough-for-anything-42';
const WEBHOOK_SECRET = 'calls-e2e-webhook-secret-long-enough-for-anything-42';
const TWILIO_TOKEN = 'calls-e2e-twilio-auth-token';
const PUBLIC_BASE_URL = 'https://ringback.example.org';

interface ErrorBody {
  error: { code: string; message: string; details: { field?: string; in?: string; reason?: string }[] };
}

const location = (name: string, regionId: string, podId: string) => ({
  name,
  regionId,
  podId,
  timezone: 'America/Denver',
  hours: { mon: [['08:00', '17:00']], tue: [['08:00', '17:00']] },
});

const sign = (timestamp: number | string, body: string) =>
  `sha256=${createHmac('sha256', WEBHOOK_SECRET).update(`${timestamp}.${body}`).digest('hex')}`;

const twilioSign = (url: string, params: Record<string, string>) =>
  createHmac('sha1', TWILIO_TOKEN)
    .update(
      Object.keys(params)
        .sort()
        .reduce((acc, k) => acc + k + params[k], url),
    )
    .digest('base64');

describe('call webhooks over the all-in-one process', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'ringback-calls-'));
  let service: RunningService;
  let adapters: PlatformAdapters;
  /** The caller line of a number at Aurora: its stream id carries a pseudonym, never the number. */
  const line = (e164: string) => `call-aurora.${adapters.phi.codec.lineKeyOf(e164)}`;

  before(async () => {
    const config = loadConfig({
      NODE_ENV: 'test',
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      AUTH_JWT_SECRET: SECRET,
      INGEST_WEBHOOK_SECRET: WEBHOOK_SECRET,
      TWILIO_AUTH_TOKEN: TWILIO_TOKEN,
      PUBLIC_BASE_URL: `${PUBLIC_BASE_URL}/`,
      SERVICE_NAME: 'ringback',
    });
    adapters = createPlatformAdapters(config);
    service = await bootstrapService({
      name: 'ringback',
      module: AllInOneModule.forRoot(adapters),
      config,
      logger: createLogger({ service: 'ringback', level: 'silent' }),
      tracing: false,
    });
    const admin = await signDevToken({ role: 'admin' }, SECRET);
    for (const [id, body] of [
      ['aurora', location('Aurora Family Medicine', 'west', 'pod-mountain')],
      ['lakewood', location('Lakewood Pediatrics', 'west', 'pod-mountain')],
    ] as const) {
      const res = await fetch(`${service.url}/api/v1/admin/locations/${id}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
        body: JSON.stringify(body),
      });
      assert.equal(res.status, 200, await res.text());
    }
  });
  after(async () => {
    await service?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /**
   * Position of the last event a webhook could have caused (calls, and the tasks triage opens from
   * them) once triage has stopped reacting. SLA timers fire on their own schedule (these calls are
   * in the past, so their thresholds are overdue) and are left out: they are not the webhook's doing.
   */
  const webhookHead = async (): Promise<bigint> =>
    (await adapters.eventStore.readAll({ categories: ['call', 'task', 'location'] })).at(-1)?.position ?? 0n;
  const settledHead = async (): Promise<bigint> => {
    let head = await webhookHead();
    for (let stableSince = Date.now(); Date.now() - stableSince < 300;) {
      await new Promise((r) => setTimeout(r, 25));
      const next = await webhookHead();
      if (next !== head) {
        head = next;
        stableSince = Date.now();
      }
    }
    return head;
  };

  const post = (
    path: string,
    body: unknown,
    opts: { timestamp?: number; signature?: string; raw?: string } = {},
  ) => {
    const text = opts.raw ?? JSON.stringify(body);
    const timestamp = opts.timestamp ?? Math.floor(Date.now() / 1000);
    return fetch(`${service.url}/api/v1/calls/${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-ringback-timestamp': String(timestamp),
        'x-ringback-signature': opts.signature ?? sign(timestamp, text),
      },
      body: text,
    });
  };

  const missed = (overrides: Record<string, unknown> = {}) => ({
    providerCallId: 'CA-aurora-1',
    locationId: 'aurora',
    from: '+1 303 555 0101',
    callerName: 'Dana Reyes',
    occurredAt: '2026-11-23T11:50:00-07:00',
    intent: 'new_patient',
    transcript: 'Hi, I would like to book a first visit',
    preferredWindow: { start: '2026-11-23T13:00:00-07:00', end: '2026-11-23T15:00:00-07:00' },
    language: 'es',
    ...overrides,
  });

  const taskIdOf = async (res: Response): Promise<string> => {
    assert.equal(res.status, 202, await res.clone().text());
    const body = (await res.json()) as { taskId: string };
    assert.ok(isUuidV7(body.taskId));
    return body.taskId;
  };

  let auroraTask = '';

  it('a signed missed call answers 202 with a task id and records the contact in UTC on the caller line', async () => {
    auroraTask = await taskIdOf(await post('missed', missed()));
    const stream = await adapters.eventStore.readStream(line('+13035550101'));
    assert.equal(stream.length, 1);
    const event = stream[0]!.envelope;
    assert.equal(event.type, 'InboundContactRecorded');
    assert.equal(event.occurredAt, '2026-11-23T18:50:00.000Z');
    const data = event.data as Record<string, unknown>;
    assert.equal(data['taskId'], auroraTask);
    assert.equal(data['from'], '+13035550101');
    assert.equal(data['channel'], 'missed_call');
    assert.equal(data['callCount'], 1);
    assert.deepEqual(data['preferredWindow'], {
      start: '2026-11-23T20:00:00.000Z',
      end: '2026-11-23T22:00:00.000Z',
    });
  });

  it('the same providerCallId again answers the same task and records nothing', async () => {
    const head = await settledHead();
    assert.equal(await taskIdOf(await post('missed', missed())), auroraTask);
    assert.equal(await settledHead(), head);
  });

  it('concurrent retries of one new call open one task', async () => {
    const body = missed({ providerCallId: 'CA-race', from: '+1 720 555 0199' });
    const ids = await Promise.all([1, 2, 3, 4].map(async () => taskIdOf(await post('missed', body))));
    assert.equal(new Set(ids).size, 1);
    assert.equal((await adapters.eventStore.readStream(line('+17205550199'))).length, 1);
  });

  it('a repeat call from the same number, formatted differently, joins the open task', async () => {
    const taskId = await taskIdOf(
      await post('missed', missed({ providerCallId: 'CA-aurora-2', from: '(303) 555-0101' })),
    );
    assert.equal(taskId, auroraTask);
    const stream = await adapters.eventStore.readStream(line('+13035550101'));
    assert.equal((stream.at(-1)!.envelope.data as { callCount: number }).callCount, 2);
  });

  it('the same number at another location is a different task', async () => {
    const taskId = await taskIdOf(
      await post('voicemail', missed({ providerCallId: 'CA-lakewood-1', locationId: 'lakewood' })),
    );
    assert.notEqual(taskId, auroraTask);
  });

  it('a callback request (web form) and an answered call are recorded', async () => {
    await taskIdOf(
      await post('callback-requests', {
        providerCallId: 'web-form-1',
        locationId: 'aurora',
        from: '720-555-0142',
        occurredAt: '2026-11-23T09:00:00Z',
        source: 'web',
        notes: 'mornings',
      }),
    );
    const res = await post('answered', {
      providerCallId: 'CA-answered-1',
      locationId: 'aurora',
      from: '+1 303 555 0177',
      occurredAt: '2026-11-23T10:00:00-07:00',
      durationSeconds: 95,
    });
    assert.equal(res.status, 202);
    assert.deepEqual(await res.json(), { recorded: true });
    const stream = await adapters.eventStore.readStream(line('+13035550177'));
    assert.deepEqual(
      stream.map((r) => r.envelope.type),
      ['AnsweredCallRecorded'],
    );
    assert.equal((stream[0]!.envelope.data as { durationSeconds: number }).durationSeconds, 95);
  });

  it('401 invalid_signature for a wrong signature, a stale timestamp or no headers; nothing recorded', async () => {
    const head = await settledHead();
    const body = missed({ providerCallId: 'CA-forged' });
    const wrong = await post('missed', body, { signature: sign(Math.floor(Date.now() / 1000), '{}') });
    const stale = Math.floor(Date.now() / 1000) - 301;
    const old = await post('missed', body, { timestamp: stale });
    const none = await fetch(`${service.url}/api/v1/calls/missed`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    for (const [res, reason] of [
      [wrong, 'bad_signature'],
      [old, 'stale_timestamp'],
      [none, 'missing_headers'],
    ] as const) {
      assert.equal(res.status, 401);
      const error = (await res.json()) as ErrorBody;
      assert.equal(error.error.code, 'invalid_signature');
      assert.equal(error.error.details[0]?.reason, reason);
    }
    assert.equal(await settledHead(), head);
  });

  const invalid: { name: string; body: unknown; fields: string[] }[] = [
    {
      name: 'missing required fields',
      body: { intent: 'other' },
      fields: ['providerCallId', 'locationId', 'from', 'occurredAt'],
    },
    {
      name: 'a time without offset',
      body: missed({ occurredAt: '2026-11-23T11:50:00' }),
      fields: ['occurredAt'],
    },
    { name: 'an unknown intent', body: missed({ intent: 'gossip' }), fields: ['intent'] },
    {
      name: 'a window ending before it starts',
      body: missed({ preferredWindow: { start: '2026-11-23T15:00:00Z', end: '2026-11-23T13:00:00Z' } }),
      fields: ['preferredWindow.end'],
    },
    { name: 'a number that is not one', body: missed({ from: '12' }), fields: ['from'] },
    { name: 'an impossible phone number', body: missed({ from: '+1 555 01' }), fields: ['from'] },
  ];
  for (const c of invalid) {
    it(`400 with field details for ${c.name}; nothing recorded`, async () => {
      const head = await settledHead();
      const res = await post('missed', c.body);
      assert.equal(res.status, 400);
      const body = (await res.json()) as ErrorBody;
      assert.equal(body.error.code, 'validation_failed');
      const fields = body.error.details.map((d) => d.field);
      for (const f of c.fields) assert.ok(fields.includes(f), `${JSON.stringify(fields)} should name ${f}`);
      assert.equal(await settledHead(), head);
    });
  }

  it('400 for a callback request without a valid source', async () => {
    const res = await post('callback-requests', missed({ providerCallId: 'CA-cb', source: 'fax' }));
    assert.equal(res.status, 400);
    assert.ok(((await res.json()) as ErrorBody).error.details.some((d) => d.field === 'source'));
  });

  it('404 location_not_found for an unknown location; nothing recorded', async () => {
    const head = await settledHead();
    const res = await post('missed', missed({ providerCallId: 'CA-nowhere', locationId: 'nowhere' }));
    assert.equal(res.status, 404);
    assert.equal(((await res.json()) as ErrorBody).error.code, 'location_not_found');
    assert.equal(await settledHead(), head);
  });

  const twilio = (params: Record<string, string>, signature?: string, query = '?locationId=aurora') =>
    fetch(`${service.url}/api/v1/calls/twilio/status${query}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature':
          signature ?? twilioSign(`${PUBLIC_BASE_URL}/api/v1/calls/twilio/status${query}`, params),
      },
      body: new URLSearchParams(params).toString(),
    });

  it('a Twilio no-answer status with a valid signature opens a task and answers empty TwiML', async () => {
    const params = {
      CallSid: 'CAtwilio0001',
      CallStatus: 'no-answer',
      From: '+17205550123',
      To: '+13035550000',
      AccountSid: 'AC123',
    };
    const res = await twilio(params);
    assert.equal(res.status, 200, await res.clone().text());
    assert.match(res.headers.get('content-type') ?? '', /text\/xml/);
    assert.match(await res.text(), /<Response\/>/);
    const stream = await adapters.eventStore.readStream(line('+17205550123'));
    assert.equal(stream.length, 1);
    const data = stream[0]!.envelope.data as Record<string, unknown>;
    assert.equal(data['providerCallId'], 'CAtwilio0001');
    assert.equal(data['intent'], null);
    assert.ok(isUuidV7(String(data['taskId'])));
    // Twilio retries: nothing more.
    assert.equal((await twilio(params)).status, 200);
    assert.equal((await adapters.eventStore.readStream(line('+17205550123'))).length, 1);
  });

  it('a Twilio completed status records an answered call with its duration', async () => {
    const params = {
      CallSid: 'CAtwilio0002',
      CallStatus: 'completed',
      From: '+17205550124',
      CallDuration: '42',
    };
    assert.equal((await twilio(params)).status, 200);
    const stream = await adapters.eventStore.readStream(line('+17205550124'));
    assert.deepEqual(
      stream.map((r) => [r.envelope.type, (r.envelope.data as { durationSeconds: number }).durationSeconds]),
      [['AnsweredCallRecorded', 42]],
    );
  });

  it('a tampered Twilio request is refused and records nothing', async () => {
    const head = await settledHead();
    const params = { CallSid: 'CAtwilio0003', CallStatus: 'busy', From: '+17205550125' };
    const signature = twilioSign(`${PUBLIC_BASE_URL}/api/v1/calls/twilio/status?locationId=aurora`, params);
    const tampered = await twilio({ ...params, From: '+17205550126' }, signature);
    assert.ok([401, 403].includes(tampered.status));
    const otherLocation = await twilio(params, signature, '?locationId=lakewood');
    assert.ok([401, 403].includes(otherLocation.status));
    assert.equal(await settledHead(), head);
  });

  it('documents the call webhooks in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${service.url}/api/docs/openapi.json`)).json()) as {
      paths: Record<
        string,
        Record<
          string,
          { responses: Record<string, unknown>; requestBody?: { content: Record<string, unknown> } }
        >
      >;
    };
    for (const p of ['missed', 'voicemail', 'callback-requests', 'answered'])
      assert.ok(doc.paths[`/api/v1/calls/${p}`]?.['post']?.responses['202'], p);
    const twilioOp = doc.paths['/api/v1/calls/twilio/status']?.['post'];
    assert.ok(twilioOp?.requestBody?.content['application/x-www-form-urlencoded']);
  });
});
