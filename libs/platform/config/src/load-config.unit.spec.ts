import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ConfigError,
  DEV_AUTH_JWT_SECRET,
  DEV_INGEST_WEBHOOK_SECRET,
  DEV_PHI_MASTER_KEY,
  SECRET_DEFAULT_PLACEHOLDER,
  configDocumentation,
  configDocumentationMarkdown,
  envSchema,
  loadConfig,
} from './index';

const strongJwt = 'j'.repeat(40);
const strongWebhook = 'w'.repeat(40);
const strongPhi = 'p'.repeat(40);

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected loadConfig to throw');
}

describe('loadConfig', () => {
  it('applies the documented defaults to an empty environment', () => {
    const config = loadConfig({});
    assert.equal(config.nodeEnv, 'development');
    assert.equal(config.mode, 'embedded');
    assert.deepEqual(config.http, { port: 3000, host: '0.0.0.0' });
    assert.equal(config.dataDir, './.data');
    assert.equal(config.demoTraffic, false);
    assert.equal(config.auth.jwtSecret, DEV_AUTH_JWT_SECRET);
    assert.equal(config.auth.jwksUrl, null);
    assert.equal(config.ingest.webhookSecret, DEV_INGEST_WEBHOOK_SECRET);
    assert.equal(config.log.level, 'info');
    assert.equal(config.serviceName, 'ringback');
    assert.deepEqual(config.kafka, { brokers: [], clientId: 'ringback', topicPartitions: 6 });
    assert.equal(config.otel.exporterEndpoint, null);
    assert.equal(config.otel.serviceName, 'ringback');
    assert.equal(config.bus.maxAttempts, 5);
    assert.equal(config.readiness.maxLag, 100);
    assert.deepEqual(config.devDefaultsInUse, ['AUTH_JWT_SECRET', 'INGEST_WEBHOOK_SECRET', 'PHI_MASTER_KEY']);
    assert.deepEqual(config.phi, {
      masterKey: DEV_PHI_MASTER_KEY,
      keyStorePath: null,
      contentRetentionDays: 0,
      retentionIntervalMs: 3_600_000,
    });
  });

  it('parses explicit values and treats empty strings as unset', () => {
    const config = loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      DEMO_TRAFFIC: 'on',
      LOG_LEVEL: '',
      SERVICE_NAME: 'call-ingest',
      KAFKA_BROKERS: 'a:9092, b:9093',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
    });
    assert.equal(config.http.port, 0);
    assert.equal(config.demoTraffic, true);
    assert.equal(config.log.level, 'info');
    assert.deepEqual(config.kafka.brokers, ['a:9092', 'b:9093']);
    assert.equal(config.otel.exporterEndpoint, 'http://collector:4318');
    assert.equal(config.otel.serviceName, 'call-ingest');
  });

  it('lets EVENT_STORE=sqlite stand in for KurrentDB in distributed mode, never in production', () => {
    const distributed = { MODE: 'distributed', KAFKA_BROKERS: 'k:9092', MONGO_URL: 'mongodb://m:27017/rb' };
    assert.deepEqual(
      configError(distributed).issues.map((i) => i.variable),
      ['KURRENTDB_URL'],
    );
    const config = loadConfig({ ...distributed, EVENT_STORE: 'sqlite', KAFKA_NAMESPACE: 'run-1' });
    assert.equal(config.eventStore, 'sqlite');
    assert.equal(config.kafka.namespace, 'run-1');
    assert.equal(loadConfig({}).eventStore, 'kurrentdb');
    assert.equal(loadConfig({}).kafka.namespace, undefined);
    const production = configError({
      ...distributed,
      EVENT_STORE: 'sqlite',
      NODE_ENV: 'production',
      AUTH_JWT_SECRET: strongJwt,
      INGEST_WEBHOOK_SECRET: strongWebhook,
      PHI_MASTER_KEY: strongPhi,
    });
    assert.deepEqual(
      production.issues.map((i) => i.variable),
      ['EVENT_STORE'],
    );
    assert.deepEqual(
      configError({ KAFKA_NAMESPACE: 'has space' }).issues.map((i) => i.variable),
      ['KAFKA_NAMESPACE'],
    );
  });

  it('returns a frozen object', () => {
    const config = loadConfig({});
    assert.ok(Object.isFrozen(config));
    assert.ok(Object.isFrozen(config.http));
  });

  it('lists every bad variable in one error', () => {
    const error = configError({ PORT: 'abc', MODE: 'cluster', BUS_MAX_ATTEMPTS: '0', MONGO_URL: 'http://x' });
    assert.deepEqual(
      error.issues.map((i) => i.variable),
      ['MODE', 'PORT', 'MONGO_URL', 'BUS_MAX_ATTEMPTS'],
    );
    assert.match(error.message, /4 problems/);
    assert.match(error.message, /PORT: .*\(got "abc"\)/);
  });

  it('requires Kafka, KurrentDB and MongoDB in distributed mode', () => {
    const error = configError({ MODE: 'distributed' });
    assert.deepEqual(
      error.issues.map((i) => i.variable),
      ['KAFKA_BROKERS', 'KURRENTDB_URL', 'MONGO_URL'],
    );
    const config = loadConfig({
      MODE: 'distributed',
      KAFKA_BROKERS: '127.0.0.1:9092',
      KURRENTDB_URL: 'kurrentdb://127.0.0.1:2113?tls=false',
      MONGO_URL: 'mongodb://127.0.0.1:27017/ringback',
    });
    assert.equal(config.kurrentdb.url, 'kurrentdb://127.0.0.1:2113?tls=false');
  });

  it('rejects malformed broker lists and connection strings', () => {
    const error = configError({ KAFKA_BROKERS: 'localhost', KURRENTDB_URL: 'mongodb://x' });
    assert.deepEqual(
      error.issues.map((i) => i.variable),
      ['KAFKA_BROKERS', 'KURRENTDB_URL'],
    );
  });
});

describe('loadConfig with NODE_ENV=production', () => {
  it('refuses to start with missing secrets', () => {
    const error = configError({ NODE_ENV: 'production' });
    assert.deepEqual(
      error.issues.map((i) => i.variable),
      ['AUTH_JWT_SECRET', 'INGEST_WEBHOOK_SECRET', 'PHI_MASTER_KEY'],
    );
    assert.match(error.message, /AUTH_JWT_SECRET: required with NODE_ENV=production/);
  });

  it('refuses the development defaults', () => {
    const error = configError({
      NODE_ENV: 'production',
      AUTH_JWT_SECRET: DEV_AUTH_JWT_SECRET,
      INGEST_WEBHOOK_SECRET: DEV_INGEST_WEBHOOK_SECRET,
      PHI_MASTER_KEY: DEV_PHI_MASTER_KEY,
    });
    assert.equal(error.issues.length, 3);
    for (const issue of error.issues) assert.match(issue.message, /development default/);
  });

  it('refuses secrets shorter than 32 characters and never echoes them', () => {
    const error = configError({
      NODE_ENV: 'production',
      AUTH_JWT_SECRET: 'short-secret',
      INGEST_WEBHOOK_SECRET: 'tiny',
      PHI_MASTER_KEY: 'wee-key',
    });
    assert.equal(error.issues.length, 3);
    for (const issue of error.issues) assert.match(issue.message, /at least 32 characters/);
    assert.doesNotMatch(error.message, /short-secret|tiny|wee-key/);
  });

  it('starts with real secrets', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      AUTH_JWT_SECRET: strongJwt,
      INGEST_WEBHOOK_SECRET: strongWebhook,
      PHI_MASTER_KEY: strongPhi,
    });
    assert.equal(config.auth.jwtSecret, strongJwt);
    assert.equal(config.phi.masterKey, strongPhi);
    assert.deepEqual(config.devDefaultsInUse, []);
  });

  it('accepts RS256 via AUTH_JWKS_URL without an HS256 secret, and disables the dev key', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      AUTH_JWKS_URL: 'https://idp.example.org/.well-known/jwks.json',
      INGEST_WEBHOOK_SECRET: strongWebhook,
      PHI_MASTER_KEY: strongPhi,
    });
    assert.equal(config.auth.jwtSecret, null);
    assert.equal(config.auth.jwksUrl, 'https://idp.example.org/.well-known/jwks.json');
    assert.deepEqual(config.devDefaultsInUse, []);
  });

  it('still refuses the webhook default when AUTH_JWKS_URL is set', () => {
    const error = configError({ NODE_ENV: 'production', AUTH_JWKS_URL: 'https://idp.example.org/jwks' });
    assert.deepEqual(
      error.issues.map((i) => i.variable),
      ['INGEST_WEBHOOK_SECRET', 'PHI_MASTER_KEY'],
    );
  });
});

describe('configDocumentation', () => {
  it('documents every variable of the schema, in order, without secret values', () => {
    const docs = configDocumentation();
    assert.deepEqual(
      docs.map((d) => d.name),
      Object.keys(envSchema.shape),
    );
    for (const d of docs) assert.ok(d.description.length > 10, `${d.name} needs a description`);
    const byName = new Map(docs.map((d) => [d.name, d]));
    assert.equal(byName.get('PORT')?.default, '3000');
    assert.equal(byName.get('MODE')?.default, 'embedded');
    assert.equal(byName.get('DEMO_TRAFFIC')?.default, 'off');
    assert.equal(byName.get('KAFKA_BROKERS')?.default, null);
    assert.equal(byName.get('AUTH_JWT_SECRET')?.default, SECRET_DEFAULT_PLACEHOLDER);
    const markdown = configDocumentationMarkdown();
    assert.doesNotMatch(markdown, new RegExp(DEV_AUTH_JWT_SECRET));
    assert.match(markdown, /\| `PORT` \| `3000` \|/);
  });

  it('covers at least the variables the contract and the brief name', () => {
    const names = new Set(configDocumentation().map((d) => d.name));
    for (const required of [
      'NODE_ENV',
      'MODE',
      'PORT',
      'HOST',
      'DATA_DIR',
      'DEMO_TRAFFIC',
      'AUTH_JWT_SECRET',
      'AUTH_JWKS_URL',
      'INGEST_WEBHOOK_SECRET',
      'LOG_LEVEL',
      'SERVICE_NAME',
      'KAFKA_BROKERS',
      'KAFKA_CLIENT_ID',
      'KAFKA_TOPIC_PARTITIONS',
      'KURRENTDB_URL',
      'MONGO_URL',
      'OTEL_EXPORTER_OTLP_ENDPOINT',
      'OTEL_SERVICE_NAME',
      'BUS_MAX_ATTEMPTS',
      'READINESS_MAX_LAG',
    ]) {
      assert.ok(names.has(required), `${required} is documented`);
    }
  });
});
