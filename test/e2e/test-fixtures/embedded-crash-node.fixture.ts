/**
 * One embedded Ringback node for the crash-recovery test, wired by the same adapter factory as
 * `npm start`: SQLite event store, store-to-bus relay, embedded bus, a bus consumer with a durable
 * side effect, and a projection into the in-memory read model (rebuilt from the store at start).
 *
 *   write  <dataDir>   appends events forever, printing `ACK <eventId>` after each append resolves
 *   verify <dataDir>   catches everything up and prints one JSON line with what it finds
 */
import { DatabaseSync } from 'node:sqlite';
import path from 'node:path';
import { ProjectionRunner, StoreToBusRelay, type BusMessage, type Projection } from '@ringback/platform-core';
import { createPlatformAdapters } from '@ringback/runtime';
import { testRegistry, thingHappened } from '@ringback/testing';
import { topicForCategory } from '@ringback/contracts';

const [mode, dataDir] = process.argv.slice(2);
if ((mode !== 'write' && mode !== 'verify') || !dataDir) throw new Error('usage: write|verify <dataDir>');

const registry = testRegistry();
const platform = createPlatformAdapters({
  mode: 'embedded',
  dataDir,
  kafka: { brokers: [], clientId: 'x', topicPartitions: 3 },
  kurrentdb: { url: null },
  mongo: { url: null },
});

// A consumer with a side effect outside the event store: per-stream counters in their own database.
// Idempotency comes from recording the eventId in the same transaction as the increment.
const sideDb = new DatabaseSync(path.join(dataDir, 'applied.sqlite'));
sideDb.exec(`PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;
  CREATE TABLE IF NOT EXISTS applied (event_id TEXT PRIMARY KEY);
  CREATE TABLE IF NOT EXISTS counters (stream_id TEXT PRIMARY KEY, n INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS stats (name TEXT PRIMARY KEY, n INTEGER NOT NULL);`);
const insertApplied = sideDb.prepare('INSERT OR IGNORE INTO applied (event_id) VALUES (?)');
const bump = sideDb.prepare(
  'INSERT INTO counters (stream_id, n) VALUES (?, 1) ON CONFLICT(stream_id) DO UPDATE SET n = n + 1',
);
const stat = sideDb.prepare(
  'INSERT INTO stats (name, n) VALUES (?, 1) ON CONFLICT(name) DO UPDATE SET n = n + 1',
);

async function applyOnce(message: BusMessage): Promise<void> {
  const event = registry.upcast(message.envelope);
  sideDb.exec('BEGIN IMMEDIATE');
  try {
    if (insertApplied.run(event.eventId).changes === 1) bump.run(event.streamId);
    else stat.run('redelivered');
    sideDb.exec('COMMIT');
  } catch (error) {
    sideDb.exec('ROLLBACK');
    throw error;
  }
}

const countsProjection: Projection = {
  id: 'crash-test-counts',
  version: 1,
  collections: ['stream_counts'],
  categories: ['thing'],
  async handle(event, position, ctx) {
    const doc = await ctx.get<{ id: string; n: number }>('stream_counts', event.streamId);
    return [
      {
        kind: 'upsert',
        collection: 'stream_counts',
        position,
        doc: { id: event.streamId, n: (doc?.n ?? 0) + 1 },
      },
    ];
  },
};

async function main(): Promise<void> {
  const relay = new StoreToBusRelay({
    store: platform.eventStore,
    bus: platform.bus,
    checkpoints: platform.checkpoints,
    checkpointEvery: 7,
  });
  const projection = new ProjectionRunner({
    store: platform.eventStore,
    readModels: platform.readModels,
    projection: countsProjection,
    registry,
  });
  await relay.start();
  await projection.start();
  const consumer = await platform.bus.consume({
    groupId: 'crash-test-applier',
    topics: [topicForCategory('thing')],
    handler: applyOnce,
  });

  if (mode === 'write') {
    const revisions = new Map<string, number>();
    for (let i = 0; ; i++) {
      const streamId = `thing-${i % 17}`;
      const expected = revisions.get(streamId);
      const event = thingHappened(streamId, i);
      const result = await platform.eventStore.appendToStream(streamId, [event], {
        expectedRevision: expected ?? 'any',
      });
      revisions.set(streamId, result.nextExpectedRevision);
      process.stdout.write(`ACK ${event.eventId}\n`);
    }
  }

  await relay.whenCaughtUp();
  await consumer.whenCaughtUp();
  await projection.whenCaughtUp();
  const stored = await platform.eventStore.readAll();
  const storeCounts: Record<string, number> = {};
  for (const r of stored) storeCounts[r.envelope.streamId] = (storeCounts[r.envelope.streamId] ?? 0) + 1;
  const projected: Record<string, number> = {};
  for (const d of await platform.readModels.find<{ id: string; n: number }>('stream_counts'))
    projected[d.id] = d.n;
  const consumed: Record<string, number> = {};
  for (const row of sideDb.prepare('SELECT stream_id, n FROM counters').all() as {
    stream_id: string;
    n: number;
  }[]) {
    consumed[row.stream_id] = Number(row.n);
  }
  const redelivered = Number(
    (sideDb.prepare("SELECT n FROM stats WHERE name = 'redelivered'").get() as { n?: number } | undefined)
      ?.n ?? 0,
  );
  process.stdout.write(
    JSON.stringify({
      eventIds: stored.map((r) => r.envelope.eventId),
      storeCounts,
      projected,
      consumed,
      redelivered,
    }) + '\n',
  );
  await consumer.stop();
  await projection.stop();
  await relay.stop();
  await platform.close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
