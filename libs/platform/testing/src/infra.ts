import type { TestContext } from 'node:test';

/**
 * Real infrastructure the integration suites run against. `npm test` starts Kafka and FerretDB
 * (test/infra/infra.sh) and sets these variables together with RINGBACK_REQUIRE_INFRA=1, so in the
 * full run a missing server is a failure, never a silent skip.
 */
export interface InfraEndpoints {
  kafkaBrokers?: string[];
  mongoUrl?: string;
}

export function infraEndpoints(): InfraEndpoints {
  const brokers = process.env['KAFKA_BROKERS'];
  const mongo = process.env['MONGO_URL'];
  return {
    ...(brokers ? { kafkaBrokers: brokers.split(',').map((b) => b.trim()) } : {}),
    ...(mongo ? { mongoUrl: mongo } : {}),
  };
}

const infraRequired = (): boolean => process.env['RINGBACK_REQUIRE_INFRA'] === '1';

/**
 * Returns the endpoint, or marks the test as not run (skipped, with the reason) when the server is
 * absent outside the full run. Inside `npm test` an absent server throws.
 */
export function requireInfra(t: TestContext, what: 'kafka'): string[] | undefined;
export function requireInfra(t: TestContext, what: 'mongo'): string | undefined;
export function requireInfra(t: TestContext, what: 'kafka' | 'mongo'): string[] | string | undefined {
  const e = infraEndpoints();
  const value = what === 'kafka' ? e.kafkaBrokers : e.mongoUrl;
  if (value) return value;
  const reason = `not run: no ${what} endpoint (${what === 'kafka' ? 'KAFKA_BROKERS' : 'MONGO_URL'}); start it with npm run infra:up`;
  if (infraRequired()) throw new Error(reason);
  t.skip(reason);
  return undefined;
}

/** A short unique suffix so that suites sharing one broker or database never see each other's data. */
export const uniqueSuffix = (): string =>
  `${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
