import { open, type FileHandle } from 'node:fs/promises';

/**
 * A SQLite write-ahead log (`<file>-wal`) opened once, for fsyncs on the libuv thread pool instead of
 * on the event loop: fsync applies to the file, whichever descriptor asks, and this one only reads.
 */
export class WalFsync {
  private handle: Promise<FileHandle> | undefined;

  constructor(readonly path: string) {}

  /**
   * Everything written to the log so far is on disk once this resolves. fdatasync, as SQLite uses on
   * Linux: the data and the size, not the modification time, which a log overwritten in place after
   * it started over would otherwise make a commit of the file system's journal on every call (ext4),
   * queued behind every other file's.
   */
  async sync(): Promise<void> {
    if (!this.handle) {
      const opening = open(this.path, 'r');
      this.handle = opening;
      // A log that could not be opened is tried again by the next call.
      opening.catch(() => {
        if (this.handle === opening) this.handle = undefined;
      });
    }
    await (await this.handle).datasync();
  }

  /** Lets go of the descriptor (a later sync opens it again). */
  async close(): Promise<void> {
    const handle = await this.handle?.catch(() => undefined);
    this.handle = undefined;
    await handle?.close();
  }
}
