import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readModelContract } from '@ringback/testing';
import { InMemoryReadModelStore } from './in-memory-read-model-store';

readModelContract('InMemoryReadModelStore', async () => new InMemoryReadModelStore());

describe('InMemoryReadModelStore', () => {
  it('refuses every call once closed', async () => {
    const store = new InMemoryReadModelStore();
    await store.close();
    await assert.rejects(store.get('c', 'a'), /closed/);
    await assert.rejects(store.applyBatch([], { processorId: 'p', position: 1n, version: 1 }), /closed/);
  });
});
