import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { signDevToken, type DevTokenClaims } from '@ringback/auth';
import { VirtualClock } from '@ringback/kernel';
import { inProcessHost, type DayHost } from './test-fixtures/day-host';
import {
  E2E_SECRET,
  aurora,
  boston,
  inboundContact,
  startRingback,
  type RunningRingback,
} from './test-fixtures/all-in-one.harness';

interface ErrorBody {
  error: { code: string; message: string; details: unknown[] };
}

/** The coordinator and offer endpoints at their edges: bad input, wrong people, lapsed offers. */
describe('routing over the all-in-one process', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'ringback-routing-'));
  const clock = new VirtualClock('2026-11-30T16:00:00.000Z'); // Monday 09:00 Denver, 11:00 New York
  let rb: RunningRingback;
  let host: DayHost;
  const tokens = {} as Record<'admin' | 'ann' | 'bo' | 'cy' | 'supervisor' | 'staff', string>;
  const token = (claims: DevTokenClaims) => signDevToken(claims, E2E_SECRET);

  const request = async (method: string, url: string, bearer?: string, body?: unknown) => {
    const res = await fetch(`${rb.service.url}${url}`, {
      method,
      headers: {
        ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as unknown };
  };
  const fails = async (p: Promise<{ status: number; body: unknown }>, status: number, code?: string) => {
    const r = await p;
    assert.equal(r.status, status, JSON.stringify(r.body));
    if (code) assert.equal((r.body as ErrorBody).error.code, code);
  };
  const coordinator = async (id: string) =>
    (await request('GET', `/api/v1/coordinators/${id}`, tokens.admin)).body as {
      presence: string;
      offer: { offerId: string; taskId: string } | null;
    };
  const streamLength = async (id: string) => (await rb.adapters.eventStore.readStream(id)).length;

  before(async () => {
    rb = await startRingback(dataDir, {
      clock,
      env: { ROUTING_INTERVAL_MS: '0', SLA_TIMER_INTERVAL_MS: '0' },
    });
    host = inProcessHost(rb.service, rb.adapters, clock);
    tokens.admin = await token({ role: 'admin', sub: 'admin-1' });
    tokens.ann = await token({ role: 'coordinator', sub: 'ann', pods: ['pod-mountain'] });
    tokens.bo = await token({ role: 'coordinator', sub: 'bo', pods: ['pod-mountain'] });
    tokens.cy = await token({ role: 'coordinator', sub: 'cy', pods: ['pod-harbor'] });
    tokens.supervisor = await token({ role: 'supervisor', sub: 'sup', regions: ['east'] });
    tokens.staff = await token({ role: 'clinic_staff', sub: 'staff', locations: ['aurora'] });
    for (const [id, body] of [
      ['aurora', aurora],
      ['boston', boston],
    ] as const)
      assert.equal((await request('PUT', `/api/v1/admin/locations/${id}`, tokens.admin, body)).status, 200);
    for (const [id, pod] of [
      ['ann', 'pod-mountain'],
      ['bo', 'pod-mountain'],
      ['cy', 'pod-harbor'],
    ] as const) {
      const r = await request('PUT', `/api/v1/admin/coordinators/${id}`, tokens.admin, {
        name: id.toUpperCase(),
        podIds: [pod],
        languages: ['en'],
      });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.deepEqual(r.body, { coordinatorId: id, version: 1 });
    }
    await rb.adapters.eventStore.appendToStream(
      'call-boston.+16175550101',
      [
        inboundContact(
          {
            taskId: 'tk-b',
            providerCallId: 'CA-b',
            locationId: 'boston',
            from: '+16175550101',
            intent: 'billing',
          },
          '2026-11-30T16:00:00.000Z',
        ),
      ],
      { expectedRevision: 'no_stream' },
    );
    await host.settle();
  });
  after(async () => {
    await rb?.service.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses bad profiles and presence with 4xx and records nothing', async () => {
    const before = await streamLength('coordinator-ann');
    for (const body of [
      {},
      { name: 'Ann', podIds: [], languages: ['en'] },
      { name: 'Ann', podIds: ['pod-mountain'], languages: ['english!'] },
      { name: 'Ann', podIds: ['pod-mountain'], languages: ['en'], extra: true },
    ])
      await fails(
        request('PUT', '/api/v1/admin/coordinators/ann', tokens.admin, body),
        400,
        'validation_failed',
      );
    await fails(
      request('PUT', '/api/v1/admin/coordinators/ann', tokens.supervisor, {
        name: 'A',
        podIds: ['p'],
        languages: ['en'],
      }),
      403,
    );
    await fails(
      request('PUT', '/api/v1/admin/coordinators/ann', undefined, {
        name: 'A',
        podIds: ['p'],
        languages: ['en'],
      }),
      401,
    );
    await fails(
      request('PUT', '/api/v1/coordinators/ann/presence', tokens.ann, { presence: 'busy' }),
      400,
      'validation_failed',
    );
    await fails(
      request('PUT', '/api/v1/coordinators/ann/presence', tokens.bo, { presence: 'available' }),
      403,
      'forbidden',
    );
    await fails(
      request('PUT', '/api/v1/coordinators/nobody/presence', tokens.admin, { presence: 'available' }),
      404,
      'coordinator_not_found',
    );
    await fails(
      request('PUT', '/api/v1/coordinators/ann/presence', tokens.staff, { presence: 'available' }),
      403,
    );
    assert.equal(await streamLength('coordinator-ann'), before);
    // A coordinator sees colleagues of its pods only.
    await fails(request('GET', '/api/v1/coordinators/cy', tokens.ann), 404, 'coordinator_not_found');
    const list = (await request('GET', '/api/v1/coordinators', tokens.ann)).body as {
      items: { coordinatorId: string }[];
    };
    assert.deepEqual(
      list.items.map((c) => c.coordinatorId),
      ['ann', 'bo'],
    );
  });

  it('only the offered coordinator answers an offer, once, before it lapses; overflow reaches another pod', async () => {
    // Nobody in pod-harbor is available: the Boston task overflows to Ann, the first to sign in.
    assert.equal(
      (await request('PUT', '/api/v1/coordinators/ann/presence', tokens.ann, { presence: 'available' }))
        .status,
      200,
    );
    await host.settle();
    const offer = (await coordinator('ann')).offer;
    assert.equal(offer?.taskId, 'tk-b');
    const view = (await request('GET', '/api/v1/tasks/tk-b', tokens.ann)).body as {
      offer: { coordinatorId: string };
    };
    assert.equal(view.offer.coordinatorId, 'ann', 'the offered coordinator sees the task outside its pods');
    await fails(request('GET', '/api/v1/tasks/tk-b', tokens.bo), 404, 'task_not_found');
    // Caller details: the offered coordinator and supervisors in scope; nobody else.
    const contact = await request('GET', '/api/v1/tasks/tk-b/contact', tokens.ann);
    assert.equal(contact.status, 200);
    assert.equal((contact.body as { callerPhone: string }).callerPhone, '+16175550101');
    assert.equal((contact.body as { contacts: unknown[] }).contacts.length, 1);
    assert.equal((await request('GET', '/api/v1/tasks/tk-b/contact', tokens.supervisor)).status, 200);
    await fails(request('GET', '/api/v1/tasks/tk-b/contact', tokens.cy), 403, 'forbidden');
    await fails(request('GET', '/api/v1/tasks/tk-b/contact', tokens.bo), 404, 'task_not_found');

    const before = await streamLength('task-tk-b');
    await fails(request('POST', '/api/v1/tasks/tk-b/accept', tokens.ann, {}), 400, 'validation_failed');
    await fails(
      request('POST', '/api/v1/tasks/tk-b/accept', tokens.ann, { offerId: 'not-the-offer' }),
      422,
      'offer_not_pending',
    );
    await fails(
      request('POST', '/api/v1/tasks/tk-b/accept', tokens.bo, { offerId: offer!.offerId }),
      403,
      'forbidden',
    );
    await fails(
      request('POST', '/api/v1/tasks/tk-b/accept', tokens.cy, { offerId: offer!.offerId }),
      422,
      'offer_not_pending',
    );
    assert.equal(await streamLength('task-tk-b'), before, 'refused answers record nothing');

    // Lapsed after ROUTING_OFFER_TIMEOUT_SECONDS (60): too late to accept; the task goes to Bo.
    clock.advance(60_000);
    await fails(
      request('POST', '/api/v1/tasks/tk-b/accept', tokens.ann, { offerId: offer!.offerId }),
      422,
      'offer_expired',
    );
    assert.equal(
      (await request('PUT', '/api/v1/coordinators/bo/presence', tokens.bo, { presence: 'available' })).status,
      200,
    );
    await host.settle();
    assert.equal((await coordinator('ann')).offer, null);
    const second = (await coordinator('bo')).offer;
    assert.equal(second?.taskId, 'tk-b', 'not offered again to who let it lapse');
    const accepted = (
      await request('POST', '/api/v1/tasks/tk-b/accept', tokens.bo, { offerId: second!.offerId })
    ).body as {
      status: string;
      assigneeId: string;
    };
    assert.equal(accepted.status, 'assigned');
    assert.equal(accepted.assigneeId, 'bo');
    await fails(
      request('POST', '/api/v1/tasks/tk-b/accept', tokens.bo, { offerId: second!.offerId }),
      422,
      'offer_not_pending',
    );
    await host.settle();
    assert.equal((await coordinator('bo')).presence, 'busy');
    const metrics = await (await fetch(`${rb.service.url}/metrics`)).text();
    assert.match(metrics, /ringback_routing_offers_total\{[^}]*overflow="true"[^}]*\} 2/);
    assert.match(metrics, /ringback_routing_offers_lapsed_total(\{[^}]*\})? 1/);
  });

  it('documents every route it serves in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${rb.service.url}/api/docs/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const app = rb.service.app.getHttpAdapter().getInstance() as {
      router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] };
    };
    const served = app.router.stack
      .filter((layer) => layer.route)
      .flatMap((layer) =>
        Object.keys(layer.route!.methods).map((m) => ({
          method: m,
          path: layer.route!.path.replace(/:([A-Za-z]+)/g, '{$1}'),
        })),
      )
      .filter((r) => r.path.startsWith('/api/v1/'));
    assert.ok(served.length > 20, `found ${served.length} routes`);
    const missing = served.filter((r) => !doc.paths[r.path]?.[r.method]).map((r) => `${r.method} ${r.path}`);
    assert.deepEqual(missing, []);
  });
});
