import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import {
  PHI_REDACTED,
  isPhiCiphertext,
  ringbackEventRegistry,
  type EventEnvelope,
  type RecordedEvent,
} from '@ringback/contracts';
import type { EventStore, StoreSubscription, SubscriptionOptions } from '@ringback/platform-core';
import { PhiCodec } from './phi-codec';
import { PhiEncryptingEventStore } from './phi-event-store';
import { PhiIntegrityError } from './phi-key-store.port';
import { SqlitePhiKeyStore } from './sqlite-phi-key-store';

const MASTER = 'unit-test-master-key-of-at-least-32-characters';
const dir = mkdtempSync(path.join(tmpdir(), 'phi-codec-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
const meta = (type: string, streamId: string, occurredAt = '2026-03-02T15:00:00.000Z') => ({
  eventId: `0190f0a0-0000-7000-8000-${String(++n).padStart(12, '0')}`,
  type,
  schemaVersion: 1,
  streamId,
  occurredAt,
  recordedAt: occurredAt,
  correlationId: 'c',
  causationId: null,
  locationId: 'loc-1',
  traceparent: null,
});

const taskOpened = (taskId: string, phone: string, occurredAt?: string): EventEnvelope => ({
  ...meta('TaskOpened', `task-${taskId}`, occurredAt),
  data: {
    taskId,
    locationId: 'loc-1',
    regionId: 'r',
    podId: 'p',
    channel: 'voicemail',
    providerCallId: `pc-${taskId}`,
    callerPhone: phone,
    callerName: 'Maria Quintero',
    intent: 'new_patient',
    transcript: 'I have a rash on my arm',
    language: 'en',
    occurredAt: occurredAt ?? '2026-03-02T15:00:00.000Z',
    preferredWindow: null,
    triage: {
      tier: 3,
      rule: 'default',
      reasons: [],
      policyVersion: 1,
      handoff: null,
      crisis: false,
      requiredDocumentation: [],
    },
    sla: {
      targetMinutes: 60,
      mode: 'business',
      startedAt: '2026-03-02T15:00:00.000Z',
      dueAt: '2026-03-02T16:00:00.000Z',
      calendarVersion: null,
    },
    openedAt: '2026-03-02T15:00:00.000Z',
  },
});

const attempt = (taskId: string, note: string): EventEnvelope => ({
  ...meta('CallbackAttemptRecorded', `task-${taskId}`),
  data: {
    taskId,
    attemptId: 'a1',
    attemptNumber: 1,
    coordinatorId: 'coord-1',
    outcome: 'no_answer',
    successful: false,
    nextAttemptAt: null,
    note,
    attemptedAt: '2026-03-02T15:10:00.000Z',
  },
});

describe('PHI codec (AES-256-GCM per patient, keys in the SQLite key store)', () => {
  const registry = ringbackEventRegistry();
  const keys = new SqlitePhiKeyStore({ path: path.join(dir, 'keys.sqlite'), masterKey: MASTER });
  const codec = new PhiCodec(registry, keys, MASTER);
  after(() => keys.close());

  it('encrypts exactly the marked fields and decrypts them back', async () => {
    const plain = taskOpened('t1', '+13035550101');
    const sealed = await codec.encrypt(plain);
    const d = sealed.data as Record<string, unknown>;
    for (const f of ['callerPhone', 'callerName', 'transcript']) assert.ok(isPhiCiphertext(d[f]), f);
    assert.equal(d['intent'], 'new_patient');
    assert.doesNotMatch(JSON.stringify(sealed), /3035550101|Quintero|rash/);
    assert.deepEqual(await codec.decrypt(sealed), plain);
    assert.deepEqual(registry.upcast(await codec.decrypt(sealed)), registry.upcast(plain));
  });

  it('shares one contact key per patient (HMAC of the number) and names the task for later notes', async () => {
    const a = (await codec.encrypt(taskOpened('t2', '+13035550102'))).data as Record<string, string>;
    const b = (await codec.encrypt(taskOpened('t3', '+13035550102'))).data as Record<string, string>;
    const keyOf = (c: string) => c.split('.')[1];
    assert.equal(keyOf(a['callerPhone']!), keyOf(b['callerPhone']!));
    assert.doesNotMatch(keyOf(a['callerPhone']!)!, /3035550102/);
    const note = (await codec.encrypt(attempt('t2', 'left a message for Maria'))).data as Record<
      string,
      string
    >;
    const subject = (c: string) => keyOf(c)!.split(':')[0];
    assert.equal(subject(note['note']!), subject(a['callerPhone']!));
  });

  it('hands a subscriber skipped types as stored and the PHI of types it does not read redacted', async () => {
    const sealed = await codec.encrypt(taskOpened('t-reads', '+15550001111'));
    const recorded: RecordedEvent = { envelope: sealed, position: 1n, streamRevision: 0 };
    const inner = {
      subscribe: (options: SubscriptionOptions): StoreSubscription => {
        void options.handler(recorded);
        return { whenCaughtUp: async () => undefined, stop: async () => undefined, lastPosition: 1n };
      },
    } as unknown as EventStore;
    const store = new PhiEncryptingEventStore(inner, codec);
    const seen = async (reads?: SubscriptionOptions['reads']): Promise<EventEnvelope> => {
      let got: EventEnvelope | undefined;
      store.subscribe({
        subscriberId: 's',
        ...(reads ? { reads } : {}),
        handler: async (e) => {
          got = e.envelope;
        },
      });
      await new Promise((r) => setImmediate(r));
      assert.ok(got);
      return got;
    };
    const field = (e: EventEnvelope, f: string) => (e.data as Record<string, unknown>)[f];
    assert.equal(field(await seen(), 'callerPhone'), '+15550001111');
    assert.equal(field(await seen({ phiTypes: ['TaskOpened'] }), 'callerName'), 'Maria Quintero');
    const redacted = await seen({ phiTypes: ['SlaAlertAcknowledged'] });
    assert.equal(field(redacted, 'callerPhone'), PHI_REDACTED);
    assert.equal(field(redacted, 'transcript'), PHI_REDACTED);
    assert.equal(field(redacted, 'regionId'), 'r');
    assert.doesNotThrow(() => registry.upcast(redacted), 'the redacted event still validates');
    assert.equal(await seen({ types: ['TaskResolved'] }), sealed, 'a type it skips arrives as stored');
  });

  it('passes plaintext events written before encryption through unchanged', async () => {
    const legacy = taskOpened('t4', '+13035550104');
    assert.equal(await codec.decrypt(legacy), legacy);
  });

  it('destroying the patient key shreds their fields to the redaction marker, which still validates', async () => {
    const sealed = await codec.encrypt(taskOpened('t5', '+13035550105'));
    const other = await codec.encrypt(taskOpened('t6', '+13035550106'));
    const destroyed = await keys.destroy({ subject: codec.subjectOf('+13035550105') });
    assert.ok(destroyed.length >= 2, 'contact and content keys');
    const read = registry.upcast(await codec.decrypt(sealed));
    const d = read.data as Record<string, unknown>;
    assert.equal(d['callerPhone'], PHI_REDACTED);
    assert.equal(d['callerName'], PHI_REDACTED);
    assert.equal(d['transcript'], PHI_REDACTED);
    assert.equal(
      (registry.upcast(await codec.decrypt(other)).data as Record<string, unknown>)['callerName'],
      'Maria Quintero',
    );
    // A later call from the same number gets a fresh key and is readable again.
    const again = await codec.encrypt(taskOpened('t7', '+13035550105'));
    assert.equal(
      ((await codec.decrypt(again)).data as Record<string, unknown>)['callerPhone'],
      '+13035550105',
    );
  });

  it('retention destroys content keys of old days and keeps contact details', async () => {
    const old = await codec.encrypt(taskOpened('t8', '+13035550108', '2026-01-05T10:00:00.000Z'));
    const recent = await codec.encrypt(taskOpened('t9', '+13035550108', '2026-03-01T10:00:00.000Z'));
    await keys.destroy({ keyClass: 'content', dayBefore: '2026-02-01' });
    const o = (await codec.decrypt(old)).data as Record<string, unknown>;
    assert.equal(o['transcript'], PHI_REDACTED);
    assert.equal(o['callerPhone'], '+13035550108');
    assert.equal(
      ((await codec.decrypt(recent)).data as Record<string, unknown>)['transcript'],
      'I have a rash on my arm',
    );
  });

  it('an altered ciphertext fails its integrity check; moved to another event it does not decrypt', async () => {
    const sealed = await codec.encrypt(taskOpened('t10', '+13035550110'));
    const d = sealed.data as Record<string, string>;
    const tampered = d['callerName']!.slice(0, -3) + (d['callerName']!.endsWith('AAA') ? 'BBB' : 'AAA');
    await assert.rejects(
      codec.decrypt({ ...sealed, data: { ...d, callerName: tampered } }),
      PhiIntegrityError,
    );
    const moved = { ...taskOpened('t11', '+13035550110'), data: { ...d } };
    await assert.rejects(codec.decrypt(moved), PhiIntegrityError);
  });

  it('keeps data keys wrapped at rest: the key file holds no raw key and survives a reopen', async () => {
    const sealed = await codec.encrypt(taskOpened('t12', '+13035550112'));
    const reopened = new SqlitePhiKeyStore({ path: path.join(dir, 'keys.sqlite'), masterKey: MASTER });
    const again = new PhiCodec(registry, reopened, MASTER);
    assert.equal(
      ((await again.decrypt(sealed)).data as Record<string, unknown>)['callerName'],
      'Maria Quintero',
    );
    await reopened.close();
    const wrong = new SqlitePhiKeyStore({ path: path.join(dir, 'keys.sqlite'), masterKey: 'x'.repeat(40) });
    await assert.rejects(new PhiCodec(registry, wrong, MASTER).decrypt(sealed));
    await wrong.close();
    assert.doesNotMatch(readFileSync(path.join(dir, 'keys.sqlite')).toString('latin1'), /Maria|3035550112/);
  });
});

describe('PHI codec on events recorded before encryption (plaintext)', () => {
  const registry = ringbackEventRegistry();
  const keys = new SqlitePhiKeyStore({ path: path.join(dir, 'legacy-keys.sqlite'), masterKey: MASTER });
  const codec = new PhiCodec(registry, keys, MASTER);
  after(() => keys.close());

  it('redacts the plaintext PHI of an erased patient, their later notes too, and no one else’s', async () => {
    const opened = taskOpened('L1', '+13035550201');
    const note = attempt('L1', 'legacy note about the caller');
    const other = taskOpened('L2', '+13035550202');
    assert.equal(
      ((await codec.decrypt(opened)).data as Record<string, unknown>)['callerName'],
      'Maria Quintero',
    );
    await keys.destroy({ subject: codec.subjectOf('+13035550201') });
    const d = (await codec.decrypt(opened)).data as Record<string, unknown>;
    assert.equal(d['callerPhone'], PHI_REDACTED);
    assert.equal(d['transcript'], PHI_REDACTED);
    assert.equal(d['intent'], 'new_patient');
    assert.equal(((await codec.decrypt(note)).data as Record<string, unknown>)['note'], PHI_REDACTED);
    assert.equal(
      ((await codec.decrypt(other)).data as Record<string, unknown>)['callerName'],
      'Maria Quintero',
    );
    registry.upcast(await codec.decrypt(opened));
  });

  it('redacts plaintext content of days before the retention cutoff and keeps contact details', async () => {
    const old = taskOpened('L3', '+13035550203', '2026-01-10T10:00:00.000Z');
    const recent = taskOpened('L4', '+13035550203', '2026-03-01T10:00:00.000Z');
    await keys.destroy({ keyClass: 'content', dayBefore: '2026-02-01' });
    const o = (await codec.decrypt(old)).data as Record<string, unknown>;
    assert.equal(o['transcript'], PHI_REDACTED);
    assert.equal(o['callerName'], 'Maria Quintero');
    assert.equal(
      ((await codec.decrypt(recent)).data as Record<string, unknown>)['transcript'],
      'I have a rash on my arm',
    );
  });
});

describe('SQLite PHI key store shared by two processes (two connections to one file)', () => {
  it('hands both the same data key, and a destroy by one is seen by the other after its cache time', async () => {
    const file = path.join(dir, 'shared-keys.sqlite');
    const a = new SqlitePhiKeyStore({ path: file, masterKey: MASTER, cacheMs: 0 });
    const b = new SqlitePhiKeyStore({ path: file, masterKey: MASTER, cacheMs: 0 });
    try {
      const spec = { subject: 'pShared', keyClass: 'contact' as const, day: null };
      const [ka, kb] = await Promise.all([a.generateDataKey(spec), b.generateDataKey(spec)]);
      assert.equal(ka.keyId, kb.keyId);
      assert.deepEqual(ka.key, kb.key);
      assert.deepEqual(await b.decrypt(ka.keyId), ka.key);
      assert.deepEqual(await a.destroy({ subject: 'pShared' }), [ka.keyId]);
      assert.equal(await b.decrypt(ka.keyId), null);
      assert.notEqual(await b.erasedAt('pShared'), null);
      const next = await b.generateDataKey(spec);
      assert.notEqual(next.keyId, ka.keyId, 'a fresh generation after the erasure');
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('a process that forgets the erased patient sees another process’s destroy at once, despite its cache', async () => {
    const file = path.join(dir, 'shared-keys-forget.sqlite');
    const a = new SqlitePhiKeyStore({ path: file, masterKey: MASTER });
    const b = new SqlitePhiKeyStore({ path: file, masterKey: MASTER, cacheMs: 3_600_000 });
    try {
      const spec = { subject: 'pForget', keyClass: 'contact' as const, day: null };
      const other = { subject: 'pKept', keyClass: 'contact' as const, day: null };
      const ka = await a.generateDataKey(spec);
      const kept = await a.generateDataKey(other);
      assert.deepEqual(await b.decrypt(ka.keyId), ka.key);
      assert.deepEqual(await b.decrypt(kept.keyId), kept.key);
      assert.equal(await b.erasedAt('pForget'), null);
      await a.destroy({ subject: 'pForget' });
      // Still cached in b: what a rebuild there would read without the erasure event.
      assert.deepEqual(await b.decrypt(ka.keyId), ka.key);
      await b.forget({ subject: 'pForget' });
      assert.equal(await b.decrypt(ka.keyId), null);
      assert.notEqual(await b.erasedAt('pForget'), null);
      assert.notEqual((await b.generateDataKey(spec)).keyId, ka.keyId);
      assert.deepEqual(await b.decrypt(kept.keyId), kept.key, 'other patients untouched');
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("forgetting content before a cutoff lets another process's retention apply at once", async () => {
    const file = path.join(dir, 'shared-keys-forget-content.sqlite');
    const a = new SqlitePhiKeyStore({ path: file, masterKey: MASTER });
    const b = new SqlitePhiKeyStore({ path: file, masterKey: MASTER, cacheMs: 3_600_000 });
    try {
      const old = await a.generateDataKey({ subject: 'pRet', keyClass: 'content', day: '2026-01-01' });
      const recent = await a.generateDataKey({ subject: 'pRet', keyClass: 'content', day: '2026-03-01' });
      const contact = await a.generateDataKey({ subject: 'pRet', keyClass: 'contact', day: null });
      for (const k of [old, recent, contact]) assert.deepEqual(await b.decrypt(k.keyId), k.key);
      assert.equal(await b.contentCutoffDay(), null);
      assert.deepEqual(await a.destroy({ keyClass: 'content', dayBefore: '2026-02-01' }), [old.keyId]);
      // Still cached in b: what a rebuild there would read without the retention event.
      assert.deepEqual(await b.decrypt(old.keyId), old.key);
      assert.equal(await b.contentCutoffDay(), null);
      await b.forget({ keyClass: 'content', dayBefore: '2026-02-01' });
      assert.equal(await b.decrypt(old.keyId), null);
      assert.equal(await b.contentCutoffDay(), '2026-02-01');
      assert.deepEqual(await b.decrypt(recent.keyId), recent.key, 'later content untouched');
      assert.deepEqual(await b.decrypt(contact.keyId), contact.key, 'contact keys are not content');
    } finally {
      await a.close();
      await b.close();
    }
  });
});
