import {
  DEV_AUTH_JWT_SECRET,
  DEV_INGEST_WEBHOOK_SECRET,
  DEV_PHI_MASTER_KEY,
  MIN_SECRET_LENGTH,
  envSchema,
  envVarMeta,
  envVarNames,
  type EnvVarName,
  type LogLevel,
  type ParsedEnv,
} from './env.schema';

/** The process configuration, parsed once at startup and handed to everything that needs it. */
export interface RingbackConfig {
  nodeEnv: 'development' | 'test' | 'production';
  mode: 'embedded' | 'distributed';
  http: { port: number; host: string };
  dataDir: string;
  demoTraffic: boolean;
  auth: {
    /** HS256 key; null only in production when tokens are verified against `jwksUrl` instead. */
    jwtSecret: string | null;
    jwksUrl: string | null;
    /** Required `iss` of user tokens (`AUTH_JWT_ISSUER`), or null: not checked. */
    issuer: string | null;
    /** Required `aud` of user tokens (`AUTH_JWT_AUDIENCE`), or null: not checked. */
    audience: string | null;
  };
  ingest: { webhookSecret: string };
  /** Base URL (no trailing slash) the outside world reaches this process at: `PUBLIC_BASE_URL`. */
  publicBaseUrl: string;
  /** Twilio voice status callbacks; `authToken` null when not configured. */
  twilio: {
    authToken: string | null;
    accountSid: string | null;
    fromNumber: string | null;
    apiBaseUrl: string;
  };
  messages: { channel: 'outbox' | 'twilio'; intervalMs: number };
  rateLimit: { userPerMinute: number; webhookPerMinute: number };
  log: { level: LogLevel };
  serviceName: string;
  /** `namespace`: prefix of every topic and consumer group (KAFKA_NAMESPACE), absent when unset. */
  kafka: { brokers: string[]; clientId: string; topicPartitions: number; namespace?: string };
  /** Event store of MODE=distributed (EVENT_STORE); embedded mode always uses SQLite. */
  eventStore: 'kurrentdb' | 'sqlite';
  kurrentdb: { url: string | null };
  mongo: { url: string | null };
  otel: { exporterEndpoint: string | null; serviceName: string };
  bus: { maxAttempts: number };
  readiness: { maxLag: number };
  /** SHUTDOWN_DRAIN_MS: not-ready time before the server closes on SIGTERM. */
  shutdown: { drainMs: number };
  routing: { offerTimeoutSeconds: number; wrapUpSeconds: number; intervalMs: number };
  sla: { timerIntervalMs: number };
  scheduling: {
    intervalMs: number;
    approvalMinutes: number;
    waitlistOfferMinutes: number;
    waitlistBatchSize: number;
  };
  gateway: { coalesceMs: number; maxPendingChanges: number };
  /** Protected health information: the key store and the retention policy. */
  phi: {
    masterKey: string;
    /** Null: `<dataDir>/phi-keys.sqlite`. */
    keyStorePath: string | null;
    contentRetentionDays: number;
    retentionIntervalMs: number;
  };
  /** Secrets left at their development defaults, so the process can warn about them at startup. */
  devDefaultsInUse: EnvVarName[];
}

export interface ConfigIssue {
  variable: string;
  message: string;
}

/** Thrown by {@link loadConfig}; the message lists every bad variable, one per line. */
export class ConfigError extends Error {
  constructor(readonly issues: ConfigIssue[]) {
    super(
      `Invalid configuration (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n` +
        issues.map((i) => `  - ${i.variable}: ${i.message}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

// Empty strings count as unset: `FOO=` in an env file should mean "use the default".
const present = (env: Env, name: string): string | undefined => {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value;
};

const describeValue = (name: EnvVarName, raw: string | undefined): string => {
  if (raw === undefined || envVarMeta(name).secret) return '';
  const shown = raw.length > 60 ? `${raw.slice(0, 57)}...` : raw;
  return ` (got ${JSON.stringify(shown)})`;
};

function crossChecks(env: Env): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (present(env, 'MODE') === 'distributed') {
    const sqliteStore = present(env, 'EVENT_STORE') === 'sqlite';
    for (const name of ['KAFKA_BROKERS', 'KURRENTDB_URL', 'MONGO_URL'] as const) {
      if (name === 'KURRENTDB_URL' && sqliteStore) continue;
      if (!present(env, name)) issues.push({ variable: name, message: 'required when MODE=distributed' });
    }
    if (sqliteStore && present(env, 'NODE_ENV') === 'production') {
      issues.push({
        variable: 'EVENT_STORE',
        message: 'sqlite only stands in for KurrentDB on one host; NODE_ENV=production needs kurrentdb',
      });
    }
  }
  if (present(env, 'MESSAGE_CHANNEL') === 'twilio') {
    for (const name of ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_FROM_NUMBER'] as const) {
      if (!present(env, name))
        issues.push({ variable: name, message: 'required when MESSAGE_CHANNEL=twilio' });
    }
  }
  if (present(env, 'NODE_ENV') === 'production') {
    const secretRules: { name: EnvVarName; dev: string; optionalWhen?: EnvVarName }[] = [
      { name: 'AUTH_JWT_SECRET', dev: DEV_AUTH_JWT_SECRET, optionalWhen: 'AUTH_JWKS_URL' },
      { name: 'INGEST_WEBHOOK_SECRET', dev: DEV_INGEST_WEBHOOK_SECRET },
      { name: 'PHI_MASTER_KEY', dev: DEV_PHI_MASTER_KEY },
    ];
    for (const rule of secretRules) {
      const value = present(env, rule.name);
      if (value === undefined) {
        if (rule.optionalWhen && present(env, rule.optionalWhen)) continue;
        const escape = rule.optionalWhen ? ` (or set ${rule.optionalWhen} to verify RS256 tokens)` : '';
        issues.push({ variable: rule.name, message: `required with NODE_ENV=production${escape}` });
      } else if (value === rule.dev) {
        issues.push({
          variable: rule.name,
          message: 'is the development default; set a real secret for NODE_ENV=production',
        });
      } else if (value.length < MIN_SECRET_LENGTH) {
        issues.push({
          variable: rule.name,
          message: `must be at least ${MIN_SECRET_LENGTH} characters with NODE_ENV=production`,
        });
      }
    }
  }
  return issues;
}

function toConfig(parsed: ParsedEnv, env: Env): RingbackConfig {
  const jwtSecretGiven = present(env, 'AUTH_JWT_SECRET') !== undefined;
  const production = parsed.NODE_ENV === 'production';
  const devDefaultsInUse: EnvVarName[] = [];
  if (parsed.AUTH_JWT_SECRET === DEV_AUTH_JWT_SECRET && !(production && !jwtSecretGiven)) {
    devDefaultsInUse.push('AUTH_JWT_SECRET');
  }
  if (parsed.INGEST_WEBHOOK_SECRET === DEV_INGEST_WEBHOOK_SECRET)
    devDefaultsInUse.push('INGEST_WEBHOOK_SECRET');
  if (parsed.PHI_MASTER_KEY === DEV_PHI_MASTER_KEY) devDefaultsInUse.push('PHI_MASTER_KEY');
  return {
    nodeEnv: parsed.NODE_ENV,
    mode: parsed.MODE,
    http: { port: parsed.PORT, host: parsed.HOST },
    dataDir: parsed.DATA_DIR,
    demoTraffic: parsed.DEMO_TRAFFIC === 'on',
    auth: {
      // In production without an explicit HS256 secret (JWKS mode) the dev key must not be usable.
      jwtSecret: production && !jwtSecretGiven ? null : parsed.AUTH_JWT_SECRET,
      jwksUrl: parsed.AUTH_JWKS_URL ?? null,
      issuer: parsed.AUTH_JWT_ISSUER ?? null,
      audience: parsed.AUTH_JWT_AUDIENCE ?? null,
    },
    ingest: { webhookSecret: parsed.INGEST_WEBHOOK_SECRET },
    publicBaseUrl: parsed.PUBLIC_BASE_URL.replace(/\/+$/, ''),
    twilio: {
      authToken: parsed.TWILIO_AUTH_TOKEN ?? null,
      accountSid: parsed.TWILIO_ACCOUNT_SID ?? null,
      fromNumber: parsed.TWILIO_FROM_NUMBER ?? null,
      apiBaseUrl: parsed.TWILIO_API_BASE_URL.replace(/\/+$/, ''),
    },
    messages: { channel: parsed.MESSAGE_CHANNEL, intervalMs: parsed.MESSAGES_INTERVAL_MS },
    rateLimit: {
      userPerMinute: parsed.RATE_LIMIT_USER_PER_MINUTE,
      webhookPerMinute: parsed.RATE_LIMIT_WEBHOOK_PER_MINUTE,
    },
    log: { level: parsed.LOG_LEVEL },
    serviceName: parsed.SERVICE_NAME,
    kafka: {
      brokers: parsed.KAFKA_BROKERS ?? [],
      clientId: parsed.KAFKA_CLIENT_ID,
      topicPartitions: parsed.KAFKA_TOPIC_PARTITIONS,
      ...(parsed.KAFKA_NAMESPACE ? { namespace: parsed.KAFKA_NAMESPACE } : {}),
    },
    eventStore: parsed.EVENT_STORE,
    kurrentdb: { url: parsed.KURRENTDB_URL ?? null },
    mongo: { url: parsed.MONGO_URL ?? null },
    otel: {
      exporterEndpoint: parsed.OTEL_EXPORTER_OTLP_ENDPOINT ?? null,
      serviceName: parsed.OTEL_SERVICE_NAME ?? parsed.SERVICE_NAME,
    },
    bus: { maxAttempts: parsed.BUS_MAX_ATTEMPTS },
    readiness: { maxLag: parsed.READINESS_MAX_LAG },
    shutdown: { drainMs: parsed.SHUTDOWN_DRAIN_MS },
    routing: {
      offerTimeoutSeconds: parsed.ROUTING_OFFER_TIMEOUT_SECONDS,
      wrapUpSeconds: parsed.ROUTING_WRAP_UP_SECONDS,
      intervalMs: parsed.ROUTING_INTERVAL_MS,
    },
    sla: { timerIntervalMs: parsed.SLA_TIMER_INTERVAL_MS },
    scheduling: {
      intervalMs: parsed.SCHEDULING_INTERVAL_MS,
      approvalMinutes: parsed.BOOKING_APPROVAL_MINUTES,
      waitlistOfferMinutes: parsed.WAITLIST_OFFER_MINUTES,
      waitlistBatchSize: parsed.WAITLIST_BATCH_SIZE,
    },
    gateway: {
      coalesceMs: parsed.GATEWAY_COALESCE_MS,
      maxPendingChanges: parsed.GATEWAY_MAX_PENDING_CHANGES,
    },
    phi: {
      masterKey: parsed.PHI_MASTER_KEY,
      keyStorePath: parsed.PHI_KEY_STORE_PATH ?? null,
      contentRetentionDays: parsed.PHI_CONTENT_RETENTION_DAYS,
      retentionIntervalMs: parsed.PHI_RETENTION_INTERVAL_MS,
    },
    devDefaultsInUse,
  };
}

const deepFreeze = <T>(value: T): T => {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
};

/**
 * Parses the environment into a frozen {@link RingbackConfig}. Unset or empty variables take their
 * documented defaults. Throws a {@link ConfigError} naming every invalid variable at once, so an
 * operator fixes a deployment in one round trip. Secret values never appear in the error.
 */
export function loadConfig(env: Env = process.env): RingbackConfig {
  const raw: Record<string, string | undefined> = {};
  for (const name of envVarNames()) raw[name] = present(env, name) ?? envVarMeta(name).default;

  const result = envSchema.safeParse(raw);
  const issues: ConfigIssue[] = [];
  if (!result.success) {
    for (const issue of result.error.issues) {
      const name = String(issue.path[0] ?? '(environment)') as EnvVarName;
      issues.push({ variable: name, message: `${issue.message}${describeValue(name, raw[name])}` });
    }
  }
  for (const issue of crossChecks(env)) {
    if (!issues.some((i) => i.variable === issue.variable)) issues.push(issue);
  }
  if (issues.length > 0 || !result.success) {
    const order = envVarNames() as string[];
    issues.sort((a, b) => order.indexOf(a.variable) - order.indexOf(b.variable));
    throw new ConfigError(issues);
  }
  return deepFreeze(toConfig(result.data, env));
}
