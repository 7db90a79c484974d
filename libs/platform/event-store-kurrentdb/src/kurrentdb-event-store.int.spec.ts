import { after, before, describe, it } from 'node:test';
import { GenericContainer, Wait, getContainerRuntimeClient, type StartedTestContainer } from 'testcontainers';
import { eventStoreContract } from '@ringback/testing';
import { KurrentDbEventStore } from './kurrentdb-event-store';

const NOT_RUN = 'not run: no Docker engine reachable (KurrentDB contract suite needs testcontainers)';
const IMAGE = 'docker.kurrent.io/kurrent-latest/kurrentdb:latest';

/** True when testcontainers finds a container runtime within `timeoutMs`. */
async function dockerReachable(timeoutMs = 5_000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out looking for a container runtime')), timeoutMs);
  });
  try {
    await Promise.race([getContainerRuntimeClient(), timeout]);
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

describe('KurrentDbEventStore against KurrentDB', async () => {
  // an already running server (KURRENTDB_CONNECTION_STRING) spares the container
  const external = process.env['KURRENTDB_CONNECTION_STRING'];
  if (!external && !(await dockerReachable())) {
    it('EventStore contract', { skip: NOT_RUN }, () => undefined);
    return;
  }

  let container: StartedTestContainer | undefined;
  let connectionString = external ?? '';

  before(
    async () => {
      if (external) return;
      container = await new GenericContainer(IMAGE)
        .withEnvironment({
          KURRENTDB_INSECURE: 'true',
          KURRENTDB_RUN_PROJECTIONS: 'None',
          KURRENTDB_MEM_DB: 'true',
          KURRENTDB_TELEMETRY_OPTOUT: 'true',
        })
        .withExposedPorts(2113)
        .withWaitStrategy(Wait.forHttp('/health/live', 2113).forStatusCode(204))
        .withStartupTimeout(120_000)
        .start();
      connectionString = `kurrentdb://${container.getHost()}:${container.getMappedPort(2113)}?tls=false`;
    },
    { timeout: 180_000 },
  );

  after(async () => {
    await container?.stop();
  });

  // one server for every case: the contract isolates cases by category, so it is told the store is shared
  eventStoreContract(
    'KurrentDbEventStore',
    async () => {
      const store = new KurrentDbEventStore({ connectionString, onSubscriptionError: () => undefined });
      return { store, cleanup: () => store.close() };
    },
    { freshStore: false },
  );
});
