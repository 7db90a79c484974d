import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ReadinessRegistry } from './readiness.registry';

describe('ReadinessRegistry', () => {
  it('is ready with no checks and with passing checks', async () => {
    const registry = new ReadinessRegistry();
    assert.deepEqual(await registry.evaluate(), { ready: true, components: [] });
    registry.registerCheck('event-store', () => ({ ok: true }));
    registry.registerCheck('bus', async () => ({ ok: true, detail: 'connected' }));
    assert.deepEqual(await registry.evaluate(), {
      ready: true,
      components: [
        { component: 'event-store', ok: true },
        { component: 'bus', ok: true, detail: 'connected' },
      ],
    });
  });

  it('a lag check is ready up to its limit and says how far behind past it', async () => {
    const registry = new ReadinessRegistry();
    let lag = 100;
    registry.registerLagCheck('triage.routing', async () => lag, 100, 'task events');
    assert.deepEqual(await registry.evaluate(), {
      ready: true,
      components: [{ component: 'triage.routing', ok: true }],
    });
    lag = 101;
    assert.deepEqual(await registry.evaluate(), {
      ready: false,
      components: [{ component: 'triage.routing', ok: false, detail: '101 task events behind' }],
    });
  });

  it('is not ready when any check fails, throws or times out', async () => {
    const registry = new ReadinessRegistry({ timeoutMs: 30 });
    registry.registerCheck('ok', () => ({ ok: true }));
    registry.registerCheck('lagging', () => ({ ok: false, detail: 'lag 900' }));
    registry.registerCheck('throws', () => {
      throw new TypeError('secret detail');
    });
    registry.registerCheck('hangs', () => new Promise(() => undefined));
    const report = await registry.evaluate();
    assert.equal(report.ready, false);
    assert.deepEqual(
      report.components.map((c) => [c.component, c.ok, c.detail]),
      [
        ['ok', true, undefined],
        ['lagging', false, 'lag 900'],
        ['throws', false, 'check failed: TypeError'],
        ['hangs', false, 'check timed out after 30 ms'],
      ],
    );
  });

  it('rejects duplicate names and unregisters', async () => {
    const registry = new ReadinessRegistry();
    const remove = registry.registerCheck('bus', () => ({ ok: false }));
    assert.throws(() => registry.registerCheck('bus', () => ({ ok: true })), /already registered/);
    remove();
    assert.deepEqual(registry.checkNames(), []);
    assert.equal((await registry.evaluate()).ready, true);
  });

  it('reports not ready once shutdown has begun', async () => {
    const registry = new ReadinessRegistry();
    registry.markShuttingDown();
    const report = await registry.evaluate();
    assert.equal(report.ready, false);
    assert.deepEqual(report.components[0], { component: 'process', ok: false, detail: 'shutting down' });
  });

  it('drains once: every shutdown hook waits on the same timer, not ready meanwhile', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const registry = new ReadinessRegistry();
    registry.setDrainMs(5_000);
    let first = false;
    let second = false;
    void registry.drain().then(() => (first = true));
    t.mock.timers.tick(3_000);
    void registry.drain().then(() => (second = true));
    assert.equal((await registry.evaluate()).ready, false);
    t.mock.timers.tick(2_000);
    await Promise.resolve();
    await Promise.resolve();
    assert.ok(first && second, 'both callers released when the one drain ends');
  });
});
