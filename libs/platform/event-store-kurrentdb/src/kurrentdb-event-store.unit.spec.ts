import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { eventStoreContract, thingHappened } from '@ringback/testing';
import { KurrentDbEventStore } from './kurrentdb-event-store';
import { ModelKurrentDbClient } from './test-fixtures/model-kurrentdb-client.fixture';

// The adapter's own logic against a model of the client; the container suite checks the real server.
eventStoreContract('KurrentDbEventStore (model client)', async () => {
  const store = new KurrentDbEventStore({
    client: new ModelKurrentDbClient().asClient(),
    onSubscriptionError: () => undefined,
  });
  return { store, cleanup: () => store.close() };
});

describe('KurrentDbEventStore', () => {
  it('needs a connection string or a client', () => {
    assert.throws(() => new KurrentDbEventStore({}), /connectionString or a client/);
  });

  it('skips system events and foreign events in $all', async () => {
    const client = new ModelKurrentDbClient();
    await client.appendToStream('other-1', [
      {
        id: crypto.randomUUID(),
        contentType: 'application/json',
        type: 'Foreign',
        data: {},
        metadata: undefined,
      },
    ]);
    const store = new KurrentDbEventStore({ client: client.asClient() });
    const e = thingHappened('thing-1', 1);
    const r = await store.appendToStream('thing-1', [e], { expectedRevision: 'no_stream' });
    assert.deepEqual(
      (await store.readAll()).map((x) => x.envelope),
      [e],
    );
    assert.equal(await store.headPosition(), r.position);
    await store.close();
  });
});
