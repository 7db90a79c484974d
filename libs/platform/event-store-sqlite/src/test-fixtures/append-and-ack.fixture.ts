import { writeSync } from 'node:fs';
import { thingHappened } from '@ringback/testing';
import { SqliteEventStore } from '../sqlite-event-store';

/**
 * Child process of the durability test: appends batches of two events forever and, after each
 * append resolves, writes `ack <position> <id>,<id>` to stdout with a synchronous write, so every
 * acknowledgement the parent reads was issued after the commit returned. The parent SIGKILLs it.
 */
const path = process.argv[2];
if (!path) throw new Error('usage: append-and-ack.fixture.ts <database file>');
const store = new SqliteEventStore({ path });

async function appendForever(): Promise<never> {
  for (let i = 0; ; i++) {
    const streamId = `crash-${i % 4}`;
    const batch = [thingHappened(streamId, 2 * i), thingHappened(streamId, 2 * i + 1)];
    const { position } = await store.appendToStream(streamId, batch, { expectedRevision: 'any' });
    writeSync(1, `ack ${position} ${batch.map((e) => e.eventId).join(',')}\n`);
  }
}

void appendForever();
