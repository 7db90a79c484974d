// Projection rebuild under test, in a process of its own: the projection catalogue of the all-in-one
// composition (what `npm run projections:rebuild` replays) rebuilt from zero out of a SQLite event
// store, into in-memory read models or FerretDB through mongoose. Also the seeding and the baseline.
// IPC requests (one per process):
//   {type:'clone', dataDir, target}         grow a seeded store to `target` events (see cloneEvents)
//   {type:'prefix', from, to, count}        copy the first `count` events of store `from` into `to`
//   {type:'read', dataDir}                  baseline: read every event through EventStore.readAll
//   {type:'rebuild', dataDir, readModels, mongoUrl?, dbName?}
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { DEV_PHI_MASTER_KEY } from '@ringback/config';
import {
  PHI_CIPHERTEXT_PREFIX,
  isPhiCiphertext,
  phiPathValue,
  ringbackEventRegistry,
  withPhiPathValue,
} from '@ringback/contracts';
import { SqliteEventStore } from '@ringback/event-store-sqlite';
import { PhiCodec, PhiEncryptingEventStore, SqlitePhiKeyStore } from '@ringback/phi';
import { InMemoryReadModelStore } from '@ringback/in-memory';
import { MongoReadModelStore } from '@ringback/read-model-mongo';
import { ProjectionRunner, type ReadModelStore } from '@ringback/platform-core';
import { REBUILD_BATCHING } from '@ringback/runtime';
import { projectionCatalogue } from '../../services/all-in-one/src/projection-catalogue';
import { cloneText } from '../lib/clone-text';

// The seeding system runs with the development master key (bench/sut/ringback-host.ts sets none).
const phiKeys = (dataDir: string): SqlitePhiKeyStore =>
  new SqlitePhiKeyStore({ path: path.join(dataDir, 'phi-keys.sqlite'), masterKey: DEV_PHI_MASTER_KEY });

/**
 * PHI fields are sealed (AES-256-GCM) with the event id and field path as associated data
 * (libs/platform/phi/src/phi-codec.ts), so a copy with a new event id gets its fields sealed again:
 * under the same patient key (no new keys to create), over the cloned clear text.
 */
async function phiTemplates(
  keys: SqlitePhiKeyStore,
  type: string,
  eventId: string,
  payload: string,
): Promise<{ path: string; keyId: string; key: Buffer; clear: string }[]> {
  const spec = ringbackEventRegistry().phiSpec(type);
  if (!spec) return [];
  const data = JSON.parse(payload) as unknown;
  const out: { path: string; keyId: string; key: Buffer; clear: string }[] = [];
  for (const field of Object.keys(spec.fields)) {
    const value = phiPathValue(data, field);
    if (!isPhiCiphertext(value)) continue;
    const [keyId, iv, sealed] = value.slice(PHI_CIPHERTEXT_PREFIX.length).split('.') as [
      string,
      string,
      string,
    ];
    const key = await keys.decrypt(keyId);
    if (!key) continue;
    const body = Buffer.from(sealed, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(`${eventId}|${field}`, 'utf8'));
    decipher.setAuthTag(body.subarray(body.length - 16));
    const clear = Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]);
    out.push({ path: field, keyId, key, clear: clear.toString('utf8') });
  }
  return out;
}

function seal(key: Buffer, keyId: string, clear: string, eventId: string, field: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(`${eventId}|${field}`, 'utf8'));
  const sealed = Buffer.concat([cipher.update(clear, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return `${PHI_CIPHERTEXT_PREFIX}${keyId}.${iv.toString('base64url')}.${sealed.toString('base64url')}`;
}

async function clone(
  dataDir: string,
  target: number,
): Promise<{ events: number; seedEvents: number; copies: number }> {
  const keys = phiKeys(dataDir);
  const db = new DatabaseSync(path.join(dataDir, 'events.sqlite'));
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = OFF');
  const rows = db
    .prepare(
      'SELECT stream_id, stream_revision, category, event_id, type, schema_version, payload, metadata FROM events ORDER BY position',
    )
    .all() as Record<string, string | number>[];
  // Only events of per-call streams are copied; shared streams (locations, policy) stay as recorded.
  const templates = rows.filter((r) => cloneText(String(r['stream_id']), 1) !== r['stream_id']);
  const sealedFields = new Map<unknown, Awaited<ReturnType<typeof phiTemplates>>>();
  for (const r of templates)
    sealedFields.set(
      r,
      await phiTemplates(keys, String(r['type']), String(r['event_id']), String(r['payload'])),
    );
  const insert = db.prepare(
    'INSERT INTO events (stream_id, stream_revision, category, event_id, type, schema_version, payload, metadata) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  let events = rows.length;
  let k = 0;
  while (events < target && templates.length) {
    k += 1;
    if (k >= 500 * 700) throw new Error('too few seed events to clone up to the target');
    db.exec('BEGIN');
    for (const r of templates) {
      if (events >= target) break;
      const eventId = cloneText(String(r['event_id']), k);
      let payload = cloneText(String(r['payload']), k);
      const phi = sealedFields.get(r) ?? [];
      if (phi.length) {
        let data = JSON.parse(payload) as unknown;
        for (const f of phi)
          data = withPhiPathValue(data, f.path, seal(f.key, f.keyId, cloneText(f.clear, k), eventId, f.path));
        payload = JSON.stringify(data);
      }
      insert.run(
        cloneText(String(r['stream_id']), k),
        r['stream_revision']!,
        r['category']!,
        eventId,
        r['type']!,
        r['schema_version']!,
        payload,
        cloneText(String(r['metadata']), k),
      );
      events += 1;
    }
    db.exec('COMMIT');
    process.send?.({ type: 'progress', events });
  }
  db.close();
  await keys.close();
  return { events, seedEvents: rows.length, copies: k };
}

async function prefix(from: string, to: string, count: number): Promise<number> {
  // The adapter creates the schema; the rows are copied as they are.
  await new SqliteEventStore({ path: path.join(to, 'events.sqlite') }).close();
  const db = new DatabaseSync(path.join(to, 'events.sqlite'));
  db.exec(`ATTACH DATABASE '${path.join(from, 'events.sqlite').replace(/'/g, "''")}' AS src`);
  db.exec(`INSERT INTO events SELECT * FROM src.events ORDER BY position LIMIT ${Math.floor(count)}`);
  const n = (db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n;
  db.close();
  // The PHI keys go with the events, so the copy decrypts as the original does.
  const keys = new DatabaseSync(path.join(from, 'phi-keys.sqlite'));
  keys.exec(`VACUUM INTO '${path.join(to, 'phi-keys.sqlite').replace(/'/g, "''")}'`);
  keys.close();
  return n;
}

async function readAllBaseline(dataDir: string): Promise<{ events: number; seconds: number }> {
  const store = new SqliteEventStore({ path: path.join(dataDir, 'events.sqlite') });
  const started = performance.now();
  let from = 0n;
  let events = 0;
  for (;;) {
    const batch = await store.readAll({ fromPosition: from, maxCount: 500 });
    if (batch.length === 0) break;
    events += batch.length;
    from = batch[batch.length - 1]!.position;
  }
  const seconds = (performance.now() - started) / 1000;
  await store.close();
  return { events, seconds };
}

async function rebuild(spec: {
  dataDir: string;
  readModels: 'memory' | 'mongo';
  mongoUrl?: string;
  dbName?: string;
}): Promise<{ events: number; seconds: number; perProjection: Record<string, number>; fromUptime: number }> {
  const fromUptime = process.uptime();
  const registry = ringbackEventRegistry();
  const keys = phiKeys(spec.dataDir);
  // As in every Ringback process (libs/platform/runtime withPhiEncryption): PHI decrypted on read.
  const store = new PhiEncryptingEventStore(
    new SqliteEventStore({ path: path.join(spec.dataDir, 'events.sqlite') }),
    new PhiCodec(registry, keys, DEV_PHI_MASTER_KEY),
  );
  const readModels: ReadModelStore =
    spec.readModels === 'mongo'
      ? new MongoReadModelStore({ uri: spec.mongoUrl!, dbName: spec.dbName ?? 'ringback_bench_rebuild' })
      : new InMemoryReadModelStore();
  const events = Number(await store.headPosition());
  const perProjection: Record<string, number> = {};
  const started = performance.now();
  // The sequence of rebuildProjections (libs/platform/runtime), one projection at a time, timed.
  for (const [i, projection] of projectionCatalogue.entries()) {
    const t0 = performance.now();
    const runner = new ProjectionRunner({ store, readModels, projection, registry, ...REBUILD_BATCHING });
    await runner.start();
    await runner.rebuild();
    await runner.whenCaughtUp();
    await runner.stop();
    perProjection[projection.id] = (performance.now() - t0) / 1000;
    process.send?.({ type: 'progress', done: i + 1, of: projectionCatalogue.length });
  }
  const seconds = (performance.now() - started) / 1000;
  await readModels.close();
  await store.close();
  await keys.close();
  return { events, seconds, perProjection, fromUptime };
}

process.on('message', (raw) => {
  const msg = raw as { type: string } & Record<string, unknown>;
  const work = async (): Promise<unknown> => {
    if (msg.type === 'clone') return await clone(String(msg['dataDir']), Number(msg['target']));
    if (msg.type === 'prefix')
      return { events: await prefix(String(msg['from']), String(msg['to']), Number(msg['count'])) };
    if (msg.type === 'read') return readAllBaseline(String(msg['dataDir']));
    return rebuild(msg as unknown as Parameters<typeof rebuild>[0]);
  };
  work().then(
    (report) => process.send?.({ type: 'done', report }, () => process.exit(0)),
    (e: unknown) =>
      process.send?.({ type: 'error', error: e instanceof Error ? (e.stack ?? e.message) : String(e) }, () =>
        process.exit(1),
      ),
  );
});
process.send?.({ type: 'ready' });
// The parent went away (killed, or crashed): nothing left to serve.
process.on('disconnect', () => process.exit(1));
