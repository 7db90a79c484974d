import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { DynamicModule, Provider } from '@nestjs/common';
import { eventDefinitions } from '@ringback/contracts';
import type { StoreToBusRelay } from '@ringback/platform-core';
import { STORE_TO_BUS_RELAY, type PlatformAdapters } from '@ringback/runtime';
import { AllInOneModule } from '../../services/all-in-one/src/all-in-one.module';
import { topologyServices } from '../infra/topology/topology';

const root = path.resolve(__dirname, '../..');

// Only what forRoot touches while it wires providers: nothing is started here.
const adapters = {
  mode: 'distributed',
  eventStore: {},
  bus: {},
  readModels: {},
  checkpoints: {},
  phi: { keys: {}, codec: {} },
  close: async () => undefined,
} as unknown as PlatformAdapters;

/** The relay the composition root's platform module provides (null: none). */
function relayOf(module: DynamicModule): StoreToBusRelay | null {
  const platform = (module.imports ?? []).find(
    (m): m is DynamicModule => typeof m === 'object' && m !== null && 'providers' in m,
  );
  assert.ok(platform, 'the root imports the platform runtime module');
  const provider = (platform.providers ?? []).find(
    (p: Provider) => typeof p === 'object' && 'provide' in p && p.provide === STORE_TO_BUS_RELAY,
  ) as { useValue: StoreToBusRelay | null } | undefined;
  assert.ok(provider, 'the platform module provides STORE_TO_BUS_RELAY');
  return provider.useValue;
}

async function serviceRoot(service: string): Promise<DynamicModule> {
  const file = path.join(root, 'services', service, 'src', `${service}-app.module.ts`);
  const exports = (await import(file)) as Record<string, unknown>;
  const root_ = Object.values(exports).find(
    (v): v is { forRoot(a: PlatformAdapters): DynamicModule } => typeof v === 'function' && 'forRoot' in v,
  );
  assert.ok(root_, `${file} exports its app module`);
  return root_.forRoot(adapters);
}

describe('store-to-bus relay ownership', () => {
  it('in the distributed topology every stream category is relayed by exactly one service, under its own checkpoint', async () => {
    const owners = new Map<string, string[]>();
    const checkpoints = new Set<string>();
    for (const service of topologyServices()) {
      const relay = relayOf(await serviceRoot(service));
      if (service === 'gateway') {
        assert.equal(relay, null, 'the gateway writes no stream and runs no relay');
        continue;
      }
      assert.ok(relay, `${service} runs a relay`);
      assert.ok(relay.categories && relay.categories.length > 0, `${service} relays named categories`);
      assert.ok(!checkpoints.has(relay.processorId), `${relay.processorId} is one process's checkpoint`);
      checkpoints.add(relay.processorId);
      for (const category of relay.categories)
        owners.set(category, [...(owners.get(category) ?? []), service]);
    }
    const categories = [...new Set(eventDefinitions.map((d) => d.category))].sort();
    assert.deepEqual([...owners.keys()].sort(), categories, 'every category has a relay');
    for (const [category, services] of owners)
      assert.equal(services.length, 1, `${category} relayed by ${services.join(', ')}`);
    // Each service relays what the contract says it produces.
    for (const d of eventDefinitions) {
      const [owner] = owners.get(d.category) ?? [];
      assert.equal(owner, d.producer === 'platform' ? 'call-ingest' : d.producer, d.type);
    }
  });

  it('the embedded composition relays every category once, on the checkpoint it always had', () => {
    const relay = relayOf(AllInOneModule.forRoot(adapters));
    assert.ok(relay);
    assert.equal(relay.categories, undefined);
    assert.equal(relay.processorId, 'store-to-bus-relay');
  });
});
