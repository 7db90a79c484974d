import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WalFsync } from './wal-fsync';

describe('WalFsync', () => {
  it('fdatasyncs the file (not fsync), opening it once, and tries again after a failed open', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ringback-wal-fsync-'));
    const path = join(dir, 'db.sqlite-wal');
    const probe = await open(__filename, 'r');
    const handleClass = Object.getPrototypeOf(probe) as { datasync(): Promise<void>; sync(): Promise<void> };
    await probe.close();
    const { datasync, sync } = handleClass;
    const calls: string[] = [];
    handleClass.datasync = function (this: unknown) {
      calls.push('datasync');
      return datasync.call(this);
    };
    handleClass.sync = function (this: unknown) {
      calls.push('sync');
      return sync.call(this);
    };
    const wal = new WalFsync(path);
    try {
      await assert.rejects(wal.sync(), { code: 'ENOENT' });
      writeFileSync(path, 'frames');
      await wal.sync();
      await wal.sync();
      assert.deepEqual(calls, ['datasync', 'datasync']);
    } finally {
      handleClass.datasync = datasync;
      handleClass.sync = sync;
      await wal.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
