import type { SpanExporter } from '@opentelemetry/sdk-trace';
// Shared by the in-process e2e specs: boot the all-in-one composition on a free port with its own
// DATA_DIR, two clinics to configure, and call events as call-ingest records them.
import type { EventEnvelope, InboundContactRecorded } from '@ringback/contracts';
import { loadConfig } from '@ringback/config';
import { deterministicUuidV7, type Clock } from '@ringback/kernel';
import { bootstrapService, type RunningService } from '@ringback/nest-platform';
import { createLogger, createMetricsRegistry } from '@ringback/observability';
import { createPlatformAdapters, type PlatformAdapters } from '@ringback/runtime';
import { AllInOneModule } from '../all-in-one.module';

/** HS256 key the booted process verifies dev tokens with. */
export const E2E_SECRET = 'all-in-one-e2e-secret-long-enough-for-anything-42';

export interface RunningRingback {
  service: RunningService;
  adapters: PlatformAdapters;
}

export const aurora = {
  name: 'Aurora Family Medicine',
  regionId: 'west',
  podId: 'pod-mountain',
  timezone: 'America/Denver',
  hours: {
    mon: [
      ['08:00', '12:00'],
      ['13:00', '17:00'],
    ],
    tue: [['08:00', '17:00']],
  },
  holidays: ['2026-12-25'],
  serviceLines: ['primary_care'],
};

export const boston = {
  name: 'Back Bay Cardiology',
  regionId: 'east',
  podId: 'pod-harbor',
  timezone: 'America/New_York',
  hours: { mon: [['09:00', '17:00']] },
};

/** HMAC key the booted process verifies call webhooks with. */
export const E2E_WEBHOOK_SECRET = 'all-in-one-e2e-webhook-secret-long-enough-for-anything-42';

export interface StartOptions {
  /** CLOCK of every service (default: the system clock). */
  clock?: Clock;
  /** Extra environment (e.g. `ROUTING_INTERVAL_MS: '0'` to drive the loops by hand). */
  env?: Record<string, string>;
  /** Adapters to run on instead of the embedded ones built from DATA_DIR (e.g. the Kafka bus). */
  adapters?: PlatformAdapters;
  /** Default: silent. The PHI leak scan passes a capturing logger at `trace`. */
  logger?: ReturnType<typeof createLogger>;
  /** Default: no tracing. The PHI leak scan passes an in-memory exporter. */
  tracing?: { exporter: SpanExporter };
}

export async function startRingback(
  dataDir: string,
  options: StartOptions = {},
): Promise<{ service: RunningService; adapters: PlatformAdapters }> {
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    AUTH_JWT_SECRET: E2E_SECRET,
    INGEST_WEBHOOK_SECRET: E2E_WEBHOOK_SECRET,
    SERVICE_NAME: 'ringback',
    DEMO_TRAFFIC: 'off',
    ...options.env,
  });
  // One metrics registry for the adapters and the service, as main.ts has it.
  const registry = createMetricsRegistry('ringback');
  const adapters = options.adapters ?? createPlatformAdapters(config, { metrics: registry });
  const service = await bootstrapService({
    name: 'ringback',
    module: AllInOneModule.forRoot(adapters, options.clock ? { clock: options.clock } : {}),
    config,
    registry,
    logger: options.logger ?? createLogger({ service: 'ringback', level: 'silent' }),
    tracing: options.tracing ?? false,
  });
  return { service, adapters };
}

let seq = 0;
/** An InboundContactRecorded as call-ingest records it on the caller line `call-<location>.<number>`. */
export function inboundContact(
  data: Partial<InboundContactRecorded> & Pick<InboundContactRecorded, 'taskId' | 'providerCallId'>,
  occurredAt: string,
): EventEnvelope<'InboundContactRecorded', InboundContactRecorded> {
  const locationId = data.locationId ?? 'aurora';
  const from = data.from ?? '+13035550101';
  seq += 1;
  return {
    eventId: deterministicUuidV7(Date.now(), 'all-in-one-e2e', String(seq), String(Math.random())),
    type: 'InboundContactRecorded',
    schemaVersion: 1,
    streamId: `call-${locationId}.${from}`,
    occurredAt,
    recordedAt: new Date().toISOString(),
    correlationId: `corr-${data.providerCallId}`,
    causationId: null,
    locationId,
    traceparent: null,
    data: {
      channel: 'missed_call',
      joinedOpenTask: false,
      callCount: 1,
      locationId,
      from,
      callerName: 'Dana Reyes',
      intent: null,
      transcript: null,
      preferredWindow: null,
      language: null,
      notes: null,
      ...data,
    },
  };
}

/** Configures each location through the admin API (`PUT /api/v1/admin/locations/{id}`), failing on anything but 200. */
export async function configureLocations(
  rb: RunningRingback,
  adminToken: string,
  locations: Record<string, unknown>,
): Promise<void> {
  for (const [id, body] of Object.entries(locations)) {
    const res = await fetch(`${rb.service.url}/api/v1/admin/locations/${id}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (res.status !== 200) throw new Error(`PUT location ${id}: ${res.status} ${await res.text()}`);
  }
}
