import { z } from 'zod';

/** What the README and error messages need to know about one environment variable. */
export interface EnvVarMeta {
  description: string;
  /** The value used when the variable is unset or empty, exactly as one would write it in an env file. */
  default?: string;
  /** Never echoed back in errors or documentation. */
  secret?: boolean;
}

/** Every environment variable's metadata lives here; loading and documentation both read it. */
export const envRegistry = z.registry<EnvVarMeta>();

const v = <T extends z.ZodType>(schema: T, meta: EnvVarMeta): T => {
  envRegistry.add(schema as z.ZodType, meta);
  return schema;
};

/**
 * Development-only secrets. They let `npm start` work without setup; `NODE_ENV=production` refuses them.
 * Both are 32+ characters so that dev tokens exercise the same code path as real ones.
 */
export const DEV_AUTH_JWT_SECRET = 'ringback-dev-only-jwt-secret-not-for-production';
export const DEV_INGEST_WEBHOOK_SECRET = 'ringback-dev-only-webhook-secret-not-for-production';
export const DEV_PHI_MASTER_KEY = 'ringback-dev-only-phi-master-key-not-for-production';

/** Shortest secret accepted in production (256 bits of HS256 key material as text). */
export const MIN_SECRET_LENGTH = 32;

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const int = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'expected a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

const urlWithProtocol = (protocols: string[]) =>
  z.string().refine((s) => URL.canParse(s) && protocols.includes(new URL(s).protocol.replace(/:$/, '')), {
    message: `expected a URL with scheme ${protocols.join(' | ')}`,
  });

const brokerList = z
  .string()
  .transform((s) =>
    s
      .split(',')
      .map((b) => b.trim())
      .filter((b) => b.length > 0),
  )
  .pipe(
    z
      .array(z.string().regex(/^[^\s:,/]+:\d{1,5}$/, 'expected host:port'))
      .min(1, 'expected host:port[,host:port...]'),
  );

/**
 * The raw environment, one key per variable. Values arrive as strings; defaults (from the metadata)
 * are applied before parsing, so the documented default is exactly what gets parsed.
 */
export const envSchema = z.object({
  NODE_ENV: v(z.enum(['development', 'test', 'production']), {
    default: 'development',
    description: '`production` enforces real secrets and refuses to start with development defaults.',
  }),
  MODE: v(z.enum(['embedded', 'distributed']), {
    default: 'embedded',
    description:
      '`embedded`: one process, SQLite event store and in-process bus under DATA_DIR. `distributed`: KurrentDB, Kafka and MongoDB.',
  }),
  PORT: v(int(0, 65535), { default: '3000', description: 'HTTP port (0 picks a free port).' }),
  HOST: v(z.string().min(1), { default: '0.0.0.0', description: 'Interface the HTTP server binds to.' }),
  DATA_DIR: v(z.string().min(1), {
    default: './.data',
    description: 'State directory in embedded mode; deleting it resets the system.',
  }),
  DEMO_TRAFFIC: v(z.enum(['on', 'off']), {
    default: 'off',
    description:
      'Simulated callers and coordinators for the demo health system (3 regions, 20 clinics, 3 pods, 8 coordinators), through the public API. `npm start` turns it on unless set (never by default with NODE_ENV=production); the single-service entrypoints leave it off.',
  }),
  AUTH_JWT_SECRET: v(z.string().min(1), {
    default: DEV_AUTH_JWT_SECRET,
    secret: true,
    description: `HS256 key for user tokens. Production: required (unless AUTH_JWKS_URL is set), at least ${MIN_SECRET_LENGTH} characters, not the development default.`,
  }),
  AUTH_JWKS_URL: v(urlWithProtocol(['http', 'https']).optional(), {
    description: 'JWKS endpoint; when set, user tokens are verified as RS256 against it.',
  }),
  AUTH_JWT_ISSUER: v(z.string().min(1).optional(), {
    description:
      'When set, user tokens must carry this `iss` (the identity provider); dev tokens are signed with it. Unset: `iss` is not checked.',
  }),
  AUTH_JWT_AUDIENCE: v(z.string().min(1).optional(), {
    description:
      'When set, user tokens must name this `aud` (Ringback as the intended recipient); dev tokens are signed with it. Unset: `aud` is not checked.',
  }),
  INGEST_WEBHOOK_SECRET: v(z.string().min(1), {
    default: DEV_INGEST_WEBHOOK_SECRET,
    secret: true,
    description: `HMAC-SHA256 key for telephony webhook signatures. Production: required, at least ${MIN_SECRET_LENGTH} characters, not the development default.`,
  }),
  PUBLIC_BASE_URL: v(urlWithProtocol(['http', 'https']), {
    default: 'http://localhost:3000',
    description:
      'Scheme, host and port the outside world (Twilio) uses to reach this process; webhook signatures that cover the URL are checked against it.',
  }),
  TWILIO_AUTH_TOKEN: v(z.string().min(1).optional(), {
    secret: true,
    description:
      'Twilio auth token that signs voice status callbacks (`X-Twilio-Signature`). Unset: `POST /api/v1/calls/twilio/status` answers 503 `twilio_not_configured`.',
  }),
  LOG_LEVEL: v(z.enum(LOG_LEVELS), { default: 'info', description: `Log level: ${LOG_LEVELS.join(', ')}.` }),
  SERVICE_NAME: v(z.string().regex(/^[a-z][a-z0-9-]*$/, 'expected a lower-case name like call-ingest'), {
    default: 'ringback',
    description: 'Name in logs and the `service` label on metrics; each service entrypoint sets its own.',
  }),
  KAFKA_BROKERS: v(brokerList.optional(), {
    description: 'Comma-separated `host:port` list. Required when MODE=distributed.',
  }),
  KAFKA_CLIENT_ID: v(z.string().min(1), { default: 'ringback', description: 'Kafka client id.' }),
  KAFKA_TOPIC_PARTITIONS: v(int(1, 1000), {
    default: '6',
    description: 'Partitions for topics Ringback creates (events are keyed by stream id).',
  }),
  KAFKA_NAMESPACE: v(
    z
      .string()
      .regex(/^[a-zA-Z0-9][a-zA-Z0-9_-]{0,63}$/, 'letters, digits, _ and -, at most 64')
      .optional(),
    {
      description:
        'Prefix of every topic and consumer group (`<namespace>.ringback.task.events`), so several installations or test runs can share one Kafka cluster. Unset: no prefix.',
    },
  ),
  EVENT_STORE: v(z.enum(['kurrentdb', 'sqlite']), {
    default: 'kurrentdb',
    description:
      'Event store with MODE=distributed: `kurrentdb` (KURRENTDB_URL), or `sqlite`, the file DATA_DIR/events.sqlite shared by every process on one host, which stands in for KurrentDB where none can run (the distributed topology of the tests); NODE_ENV=production refuses `sqlite`.',
  }),
  KURRENTDB_URL: v(urlWithProtocol(['kurrentdb', 'kurrentdb+discover', 'esdb', 'esdb+discover']).optional(), {
    description:
      'KurrentDB connection string, e.g. `kurrentdb://127.0.0.1:2113?tls=false`. Required when MODE=distributed (unless EVENT_STORE=sqlite).',
  }),
  MONGO_URL: v(urlWithProtocol(['mongodb', 'mongodb+srv']).optional(), {
    description: 'MongoDB (or FerretDB) URL for read models. Required when MODE=distributed.',
  }),
  OTEL_EXPORTER_OTLP_ENDPOINT: v(urlWithProtocol(['http', 'https']).optional(), {
    description: 'OTLP/HTTP collector base URL; traces are exported only when it is set.',
  }),
  OTEL_SERVICE_NAME: v(z.string().min(1).optional(), {
    description: '`service.name` on spans; defaults to SERVICE_NAME.',
  }),
  BUS_MAX_ATTEMPTS: v(int(1, 100), {
    default: '5',
    description: 'Deliveries of one message to a consumer before it goes to the dead-letter topic.',
  }),
  SHUTDOWN_DRAIN_MS: v(int(0, 120_000), {
    default: '0',
    description:
      'On SIGTERM, how long /readyz answers 503 before the HTTP server, consumers and sockets close, so load balancers stop sending first (the Helm chart sets 5000).',
  }),
  READINESS_MAX_LAG: v(int(0, 1_000_000), {
    default: '100',
    description: 'Events a consumer may be behind before /readyz answers 503.',
  }),
  ROUTING_OFFER_TIMEOUT_SECONDS: v(int(5, 3600), {
    default: '60',
    description:
      'How long a coordinator has to accept or decline a task offer before it lapses and goes to someone else.',
  }),
  ROUTING_WRAP_UP_SECONDS: v(int(0, 3600), {
    default: '60',
    description:
      'Wrap-up time after a coordinator finishes a task, before routing offers them the next one (0: none).',
  }),
  ROUTING_INTERVAL_MS: v(int(0, 60_000), {
    default: '1000',
    description:
      'Period of the routing dispatcher (expire offers, end wrap-ups, offer waiting tasks); 0 stops the loop (tests drive it).',
  }),
  GATEWAY_COALESCE_MS: v(int(0, 10_000), {
    default: '50',
    description:
      'A live queue (a scope as its subscribers may see it) sends at most one queue.delta per window: a change after a quiet window goes out at once, the ones following it within the window together at its end.',
  }),
  GATEWAY_MAX_PENDING_CHANGES: v(int(1, 1_000_000), {
    default: '1000',
    description:
      'Changes a live queue may have waiting at once (a burst); past it its subscribers get a fresh queue.snapshot instead.',
  }),
  SLA_TIMER_INTERVAL_MS: v(int(0, 60_000), {
    default: '250',
    description:
      'Period of the SLA timer loop that fires at-risk and breach thresholds; 0 stops the loop (tests drive it).',
  }),
  RATE_LIMIT_USER_PER_MINUTE: v(int(0, 1_000_000), {
    default: '1200',
    description:
      'Requests a minute one user token may make to /api/v1 (bursts up to the same number); past it 429 `rate_limited` with Retry-After. 0: unlimited.',
  }),
  RATE_LIMIT_WEBHOOK_PER_MINUTE: v(int(0, 10_000_000), {
    default: '600000',
    description:
      'Signed webhook requests a minute from one source address (call and SMS providers); past it 429 with Retry-After. 0: unlimited.',
  }),
  MESSAGE_CHANNEL: v(z.enum(['outbox', 'twilio']), {
    default: 'outbox',
    description:
      'Where patient messages go: `outbox` keeps them in the embedded outbox (DATA_DIR, shown in the web UI), `twilio` sends SMS and voice through Twilio (needs TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM_NUMBER).',
  }),
  TWILIO_ACCOUNT_SID: v(
    z
      .string()
      .regex(/^AC[0-9a-fA-F]{32}$/, 'AC followed by 32 hex digits')
      .optional(),
    {
      description: 'Twilio account that sends patient messages (MESSAGE_CHANNEL=twilio).',
    },
  ),
  TWILIO_FROM_NUMBER: v(
    z
      .string()
      .regex(/^\+[1-9]\d{1,14}$/, 'E.164')
      .optional(),
    {
      description: 'The Twilio number patient messages come from, E.164 (MESSAGE_CHANNEL=twilio).',
    },
  ),
  TWILIO_API_BASE_URL: v(urlWithProtocol(['http', 'https']), {
    default: 'https://api.twilio.com',
    description: 'Base URL of the Twilio REST API.',
  }),
  MESSAGES_INTERVAL_MS: v(int(0, 60_000), {
    default: '1000',
    description:
      'Period of the message dispatcher (send due messages, raise follow-ups); 0 stops the loop (tests drive it).',
  }),
  SCHEDULING_INTERVAL_MS: v(int(0, 60_000), {
    default: '1000',
    description:
      'Period of the scheduling loop that expires booking approvals and waitlist offers; 0 stops the loop (tests drive it).',
  }),
  BOOKING_APPROVAL_MINUTES: v(int(1, 24 * 60), {
    default: '30',
    description:
      'SLA of an in-house booking approval: the slot is held for the request this long, then it expires.',
  }),
  WAITLIST_OFFER_MINUTES: v(int(1, 24 * 60), {
    default: '30',
    description:
      'How long a freed slot is held for a waitlist batch before the offer expires and the next batch is asked.',
  }),
  WAITLIST_BATCH_SIZE: v(int(1, 50), {
    default: '3',
    description: 'Waiting patients offered a freed slot at once (the first to confirm gets it).',
  }),
  PHI_MASTER_KEY: v(z.string().min(1), {
    default: DEV_PHI_MASTER_KEY,
    secret: true,
    description: `Master secret of the embedded PHI key store: wraps every patient data key at rest and keys the HMAC that turns a patient's number into their key id. Production: required, at least ${MIN_SECRET_LENGTH} characters, not the development default (see SECURITY.md for a KMS).`,
  }),
  PHI_KEY_STORE_PATH: v(z.string().min(1).optional(), {
    description:
      'SQLite file of the embedded PHI key store (wrapped per-patient data keys). Default `<DATA_DIR>/phi-keys.sqlite`; every process of a distributed deployment must share it (or a KMS adapter).',
  }),
  PHI_CONTENT_RETENTION_DAYS: v(int(0, 36_500), {
    default: '0',
    description:
      'Retention of PHI content (voicemail transcripts, notes, message texts): content keys of days older than this are destroyed (crypto-shredding), recorded as PhiRetentionApplied; contact details stay. 0: kept.',
  }),
  PHI_RETENTION_INTERVAL_MS: v(int(0, 86_400_000), {
    default: '3600000',
    description: 'Period of the PHI retention loop; 0 stops the loop (tests drive it).',
  }),
});

export type EnvVarName = keyof typeof envSchema.shape;
export type ParsedEnv = z.output<typeof envSchema>;

export const envVarNames = (): EnvVarName[] => Object.keys(envSchema.shape) as EnvVarName[];

export function envVarMeta(name: EnvVarName): EnvVarMeta {
  const meta = envRegistry.get(envSchema.shape[name]);
  if (!meta) throw new Error(`no metadata registered for ${name}`);
  return meta;
}
