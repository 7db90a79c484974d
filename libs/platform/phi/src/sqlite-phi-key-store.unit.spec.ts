import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { BoundedMap, SqlitePhiKeyStore } from './sqlite-phi-key-store';

const MASTER = 'unit-test-master-key-of-at-least-32-characters';

describe('SqlitePhiKeyStore caches', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ringback-phi-keys-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('stay within their bound however many patients come, and the file answers for the forgotten', async () => {
    const keys = new SqlitePhiKeyStore({
      path: path.join(dir, 'keys.sqlite'),
      masterKey: MASTER,
      cacheEntries: 50,
    });
    const issued = new Map<string, Buffer>();
    for (let i = 0; i < 1_000; i += 1) {
      const subject = `patient-${i}`;
      const { keyId, key } = await keys.generateDataKey({ subject, keyClass: 'contact', day: null });
      issued.set(keyId, key);
      await keys.rememberStreamSubject(`task-${i}`, subject);
      await keys.erasedAt(subject);
    }
    // Every new caller used to stay in four caches for good (the soak's heap grew 1.6 KB a call).
    assert.ok(keys.cachedEntries <= 4 * 50, `${keys.cachedEntries} entries cached`);
    for (const [keyId, key] of [...issued].slice(0, 20)) assert.deepEqual(await keys.decrypt(keyId), key);
    assert.equal(await keys.streamSubject('task-0'), 'patient-0');
    const again = await keys.generateDataKey({ subject: 'patient-0', keyClass: 'contact', day: null });
    assert.deepEqual(again.key, issued.get(again.keyId), 'the same key, read back from the file');
    await keys.close();
  });

  it('a bounded map forgets the least recently written first', () => {
    const m = new BoundedMap<string, number>(2);
    m.set('a', 1).set('b', 2).set('a', 3).set('c', 4);
    assert.deepEqual(
      [...m],
      [
        ['a', 3],
        ['c', 4],
      ],
    );
    assert.throws(() => new BoundedMap(0));
  });
});
