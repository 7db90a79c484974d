import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { io, type Socket } from 'socket.io-client';
import { inScope, signDevToken, signWebhook, USER_ROLES, type AuthUser, type UserRole } from '@ringback/auth';
import { VirtualClock } from '@ringback/kernel';
import { triagePolicyBaseSchema } from '@ringback/triage-domain';
import {
  E2E_SECRET,
  E2E_WEBHOOK_SECRET,
  aurora,
  startRingback,
  type RunningRingback,
} from './test-fixtures/all-in-one.harness';
import { settleRingback } from './test-fixtures/day-host';
import {
  OPEN_ROUTES,
  PLANS,
  START,
  boston,
  drKim,
  isWebhook,
  tuesday,
  type Json,
  type Place,
  type Plan,
  type Side,
} from './test-fixtures/route-plans';
import { configureScheduling, drLee, patient } from './test-fixtures/scheduling.fixture';
import { routeKey, servedApiRoutes, type ServedRoute } from './test-fixtures/served-routes';

// The contract's access rules, tried for every route the process serves (taken from its route table
// and OpenAPI document, not from a list here) and every socket subscription, for every role, against
// a clinic in the caller's scope (Aurora: region west, pod-mountain) and one outside it (Back Bay:
// east, pod-harbor). Expected outcomes come from the rules, not from what the code happens to do:
// a role the route does not admit 403, an out-of-scope read 404, an out-of-scope write 403, no or a
// bad token 401; a refused request records nothing; an admitted list shows nothing out of scope.

describe('access control: every route and subscription, every role, in and out of scope', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'ringback-access-'));
  const clock = new VirtualClock(START);
  let rb: RunningRingback;
  let routes: ServedRoute[] = [];
  let importId = '';
  const users: Record<UserRole, AuthUser> = {
    admin: { sub: 'root', role: 'admin', regions: [], locations: [], pods: [] },
    supervisor: { sub: 'sue', role: 'supervisor', regions: ['west'], locations: [], pods: [] },
    coordinator: { sub: 'ann', role: 'coordinator', regions: [], locations: [], pods: ['pod-mountain'] },
    clinic_staff: { sub: 'desk', role: 'clinic_staff', regions: [], locations: ['aurora'], pods: [] },
  };
  const tokens = {} as Record<UserRole, string>;
  const places = {} as Record<Side, Place>;

  const send = async (
    method: string,
    url: string,
    opts: { token?: string; body?: unknown; raw?: Plan['raw'] } = {},
  ) => {
    const headers: Record<string, string> = opts.token ? { authorization: `Bearer ${opts.token}` } : {};
    let body: string | undefined;
    if (opts.raw) {
      headers['content-type'] = opts.raw.contentType;
      body = opts.raw.text;
    } else if (opts.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(opts.body);
    }
    const res = await fetch(`${rb.service.url}${url}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body }),
    });
    const text = await res.text();
    return { status: res.status, text };
  };
  const ok = async <T = Json>(method: string, url: string, token: string, body?: unknown, status = 200) => {
    const r = await send(method, url, { token, body });
    assert.equal(r.status, status, `${method} ${url}: ${r.text}`);
    return JSON.parse(r.text) as T;
  };
  const settle = () => settleRingback(rb.service, rb.adapters);
  const webhook = async (body: Json) => {
    const text = JSON.stringify(body);
    const ts = Math.floor(clock.now() / 1000);
    const res = await fetch(`${rb.service.url}/api/v1/calls/missed`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-ringback-timestamp': String(ts),
        'x-ringback-signature': signWebhook(E2E_WEBHOOK_SECRET, ts, text),
      },
      body: text,
    });
    assert.equal(res.status, 202, await res.clone().text());
    return ((await res.json()) as { taskId: string }).taskId;
  };
  /** Events a refused request could have caused (audit records of who tried are not changes). */
  const changes = async (since: bigint) =>
    (await rb.adapters.eventStore.readAll({ fromPosition: since })).filter(
      (e) => !e.envelope.streamId.startsWith('audit'),
    );

  const paramValue = (name: string, r: ServedRoute, p: Place): string => {
    switch (name) {
      case 'locationId':
      case 'taskId':
      case 'alertId':
      case 'coordinatorId':
      case 'providerId':
      case 'appointmentId':
      case 'approvalId':
      case 'entryId':
      case 'offerId':
      case 'followUpId':
        return p[name];
      case 'id':
        return r.path.includes('/fhir/Slot/')
          ? `${p.bookedSlot.slice(0, p.bookedSlot.indexOf('.'))}.${Date.parse(p.bookedSlot.slice(p.bookedSlot.indexOf('.') + 1))}`
          : p.appointmentId;
      case 'appointmentTypeId':
        return 'new-visit';
      case 'serviceLine':
        return 'primary_care';
      case 'importId':
        return importId;
      default:
        throw new Error(`${routeKey(r)}: no fixture for path parameter ${name}; add one to paramValue`);
    }
  };
  const urlOf = (r: ServedRoute, plan: Plan, p: Place) => {
    let url = r.path;
    for (const name of r.params) url = url.replace(`{${name}}`, encodeURIComponent(paramValue(name, r, p)));
    const q = plan.query?.(p);
    return q ? `${url}?${q}` : url;
  };
  const tryRoute = (r: ServedRoute, plan: Plan, p: Place, token?: string) =>
    send(r.method.toUpperCase(), urlOf(r, plan, p), {
      ...(token ? { token } : {}),
      ...(plan.raw ? { raw: plan.raw } : plan.body ? { body: plan.body(p) } : {}),
    });

  /** What the contract says `role` gets from `r` on `side`: an exact status, or `admitted`. */
  const expected = (r: ServedRoute, plan: Plan, role: UserRole, side: Side): 403 | 404 | 'admitted' => {
    if (r.roles.length > 0 && !r.roles.includes(role)) return 403;
    if (side === 'out' && plan.scope === 'place' && role !== 'admin' && !plan.outAdmits?.roles.includes(role))
      return r.method === 'get' ? 404 : 403;
    if (side === 'in' && plan.subject?.[role]) return plan.subject[role]!;
    return 'admitted';
  };
  const sides = (plan: Plan): Side[] => (plan.scope === 'place' ? ['in', 'out'] : ['in']);
  /** Strings that name the out-of-scope clinic's resources. */
  const markers = () => {
    const o = places.out;
    return [
      `"${o.locationId}"`,
      o.taskId,
      o.alertId,
      o.appointmentId,
      o.approvalId,
      o.entryId,
      o.offerId,
      o.followUpId,
      `"${o.providerId}"`,
      o.phone,
    ];
  };
  const leaks = (text: string) => markers().filter((m) => text.includes(m));

  before(async () => {
    rb = await startRingback(dataDir, {
      clock,
      env: {
        ROUTING_INTERVAL_MS: '0',
        SLA_TIMER_INTERVAL_MS: '0',
        SCHEDULING_INTERVAL_MS: '0',
        MESSAGES_INTERVAL_MS: '0',
        RATE_LIMIT_USER_PER_MINUTE: '0',
        WAITLIST_BATCH_SIZE: '1',
        BOOKING_APPROVAL_MINUTES: '600',
        WAITLIST_OFFER_MINUTES: '600',
        TWILIO_AUTH_TOKEN: 'access-e2e-twilio-token',
        PUBLIC_BASE_URL: 'https://ringback.example.org',
      },
    });
    for (const role of USER_ROLES) tokens[role] = await signDevToken(users[role], E2E_SECRET);
    const cy = await signDevToken({ sub: 'cy', role: 'coordinator', pods: ['pod-harbor'] }, E2E_SECRET);
    const admin = tokens.admin;
    await ok('PUT', '/api/v1/admin/locations/aurora', admin, aurora);
    await ok('PUT', '/api/v1/admin/locations/boston', admin, boston);
    await configureScheduling(rb.service.url, admin);
    await ok('PUT', '/api/v1/admin/coordinators/cy', admin, {
      name: 'Cy',
      podIds: ['pod-harbor'],
      languages: ['en', 'es'],
      schedulingAuthority: ['new-visit', 'follow-up'],
    });
    await ok('PUT', '/api/v1/admin/providers/dr-kim', admin, drKim);
    const sideOf = {
      in: {
        def: aurora,
        coordinator: 'ann',
        token: tokens.coordinator,
        provider: 'dr-lee',
        offset: -7,
        phone: '+13035550111',
        providerDefinition: drLee,
      },
      out: {
        def: boston,
        coordinator: 'cy',
        token: cy,
        provider: 'dr-kim',
        offset: -5,
        phone: '+16175550122',
        providerDefinition: drKim,
      },
    } as const;
    for (const side of ['in', 'out'] as const) {
      const s = sideOf[side];
      const locationId = side === 'in' ? 'aurora' : 'boston';
      const slot = (hhmm: string) => tuesday(s.provider, s.offset, hhmm);
      places[side] = {
        locationId,
        regionId: s.def.regionId,
        podId: s.def.podId,
        definition: s.def as Json,
        coordinatorId: s.coordinator,
        coordinatorToken: s.token,
        providerId: s.provider,
        providerDefinition: s.providerDefinition as Json,
        phone: s.phone,
        taskId: await webhook({
          providerCallId: `ac-${locationId}`,
          locationId,
          from: s.phone,
          callerName: `Caller ${locationId}`,
          occurredAt: START,
          intent: 'urgent_symptom',
        }),
        bookedSlot: slot('09:00'),
        freeSlot: slot('11:00'),
        freeSlot2: slot('11:30'),
        protectedSlot: slot('13:00'),
        appointmentId: '',
        alertId: '',
        approvalId: '',
        entryId: '',
        offerId: '',
        followUpId: '',
        basePolicy: {},
      };
      const p = places[side];
      p.appointmentId = (
        await ok<{ appointmentId: string }>(
          'POST',
          '/api/v1/appointments',
          s.token,
          {
            slotId: p.bookedSlot,
            appointmentTypeId: 'new-visit',
            newPatient: true,
            patient: patient(`mrn-${locationId}-1`, { phone: s.phone }),
          },
          201,
        )
      ).appointmentId;
      // Two prior no-shows: high-risk outreach becomes a follow-up 48 h ahead.
      await ok(
        'POST',
        '/api/v1/appointments',
        s.token,
        {
          slotId: slot('09:30'),
          appointmentTypeId: 'new-visit',
          newPatient: true,
          patient: patient(`mrn-${locationId}-2`, { phone: s.phone, priorNoShows: 2 }),
        },
        201,
      );
    }
    await settle();
    // Sunday: the Tier 1 tasks have breached (alerts) and the outreach follow-ups are due.
    clock.set('2026-11-29T17:00:00.000Z');
    await settle();
    const alerts = (
      await ok<{ items: { alertId: string; locationId: string }[] }>('GET', '/api/v1/alerts', admin)
    ).items;
    const followUps = (
      await ok<{ items: { followUpId: string; locationId: string }[] }>('GET', '/api/v1/follow-ups', admin)
    ).items;
    for (const side of ['in', 'out'] as const) {
      const p = places[side];
      const s = sideOf[side];
      p.alertId = alerts.find((a) => a.locationId === p.locationId)!.alertId;
      p.followUpId = followUps.find((f) => f.locationId === p.locationId)!.followUpId;
      p.approvalId = (
        await ok<{ approvalId: string }>(
          'POST',
          '/api/v1/booking-approvals',
          s.token,
          {
            slotId: tuesday(s.provider, s.offset, '13:30'),
            appointmentTypeId: 'procedure',
            newPatient: true,
            patient: patient(`mrn-${p.locationId}-3`, { phone: s.phone }),
          },
          201,
        )
      ).approvalId;
      p.entryId = (
        await ok<{ entryId: string }>(
          'POST',
          '/api/v1/waitlist',
          s.token,
          {
            locationId: p.locationId,
            appointmentTypeId: 'new-visit',
            newPatient: true,
            patient: patient(`mrn-${p.locationId}-4`, { phone: s.phone }),
          },
          201,
        )
      ).entryId;
      const freed = await ok<{ appointmentId: string }>(
        'POST',
        '/api/v1/appointments',
        s.token,
        {
          slotId: tuesday(s.provider, s.offset, '10:00'),
          appointmentTypeId: 'new-visit',
          newPatient: true,
          patient: patient(`mrn-${p.locationId}-5`, { phone: s.phone }),
        },
        201,
      );
      await ok('POST', `/api/v1/appointments/${freed.appointmentId}/cancel`, s.token, {});
    }
    await settle();
    const offers = (
      await ok<{ items: { offerId: string; locationId: string }[] }>('GET', '/api/v1/waitlist/offers', admin)
    ).items;
    for (const side of ['in', 'out'] as const)
      places[side].offerId = offers.find((o) => o.locationId === places[side].locationId)!.offerId;
    importId = (
      await send('POST', '/api/v1/admin/imports/call-logs?fileName=seed.csv', {
        token: admin,
        raw: PLANS['POST /api/v1/admin/imports/call-logs']!.raw!,
      }).then((r) => JSON.parse(r.text) as { importId: string })
    ).importId;
    const policy = await ok<{ policy: Json }>('GET', '/api/v1/admin/triage-policy', admin);
    const basePolicy = Object.fromEntries(
      Object.keys(triagePolicyBaseSchema.shape).map((k) => [k, policy.policy[k]]),
    );
    for (const p of Object.values(places)) p.basePolicy = basePolicy;
    for (const p of Object.values(places))
      for (const [k, v] of Object.entries(p)) assert.ok(v !== '', `fixture ${p.locationId}.${k}`);
    routes = await servedApiRoutes(rb.service);
  });

  after(async () => {
    await rb?.service.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('knows how to try every served route, and every open one is a webhook or declared open', () => {
    assert.ok(routes.length > 60, `found ${routes.length} routes`);
    const open = routes.filter((r) => r.security === 'none');
    assert.deepEqual(
      open.filter((r) => !isWebhook(r) && !OPEN_ROUTES.has(routeKey(r))).map(routeKey),
      [],
      'routes without a bearer token that are neither signed webhooks nor declared open',
    );
    const bearer = routes.filter((r) => r.security === 'bearer');
    assert.deepEqual(
      bearer.filter((r) => !PLANS[routeKey(r)]).map(routeKey),
      [],
      'served routes without a plan in PLANS',
    );
    assert.deepEqual(
      Object.keys(PLANS).filter((k) => !bearer.some((r) => routeKey(r) === k)),
      [],
      'plans for routes no longer served',
    );
    for (const r of routes)
      for (const role of r.roles) assert.ok(USER_ROLES.includes(role as UserRole), `${routeKey(r)}: ${role}`);
  });

  it('refuses every bearer route without a token, with a forged, an expired or an unsigned one: 401, nothing recorded', async () => {
    const head = await rb.adapters.eventStore.headPosition();
    const expired = await signDevToken(users.admin, E2E_SECRET, {
      now: clock.now() - 13 * 3600_000,
      expiresInSeconds: 3600,
    });
    const forged = await signDevToken(users.admin, 'not-the-secret-at-all-but-long-enough-0123456789');
    const [h, payload] = tokens.admin.split('.') as [string, string];
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.`;
    assert.ok(h);
    const failures: string[] = [];
    for (const r of routes.filter((x) => x.security === 'bearer')) {
      const plan = PLANS[routeKey(r)]!;
      for (const [label, token] of [
        ['none', undefined],
        ['forged', forged],
        ['expired', expired],
        ['alg none', unsigned],
        ['garbage', 'not.a.jwt'],
      ] as const) {
        const res = await tryRoute(r, plan, places.in, token);
        const body = JSON.parse(res.text || '{}') as { error?: { code: string; details: unknown } };
        if (res.status !== 401 || !body.error?.code || !Array.isArray(body.error.details))
          failures.push(`${routeKey(r)} [${label}]: ${res.status} ${res.text.slice(0, 120)}`);
      }
    }
    assert.deepEqual(failures, []);
    assert.deepEqual(
      (await changes(head)).map((e) => e.envelope.type),
      [],
    );
  });

  it('refuses unsigned webhooks with 401 and records nothing', async () => {
    const head = await rb.adapters.eventStore.headPosition();
    const failures: string[] = [];
    for (const r of routes.filter(isWebhook)) {
      // Each in the media type it takes (Twilio's are form posts), so only the signature is missing.
      const fields = {
        providerCallId: 'unsigned-1',
        locationId: 'aurora',
        from: '+13035550199',
        occurredAt: START,
      };
      const form = r.bodyContentType === 'application/x-www-form-urlencoded';
      const body = (n: number) =>
        form
          ? {
              raw: {
                contentType: r.bodyContentType!,
                text: new URLSearchParams({
                  CallSid: `CA-unsigned-${n}`,
                  CallStatus: 'no-answer',
                  From: fields.from,
                  MessageSid: `SM-unsigned-${n}`,
                  Body: '2',
                }).toString(),
              },
            }
          : { body: { ...fields, providerCallId: `unsigned-${n}` } };
      const res = await send(r.method.toUpperCase(), r.path, body(1));
      if (res.status !== 401) failures.push(`${routeKey(r)}: ${res.status} ${res.text.slice(0, 120)}`);
      // With a bearer token instead: still not a webhook signature.
      const withToken = await send(r.method.toUpperCase(), r.path, { token: tokens.admin, ...body(2) });
      if (withToken.status !== 401) failures.push(`${routeKey(r)} [bearer]: ${withToken.status}`);
    }
    assert.deepEqual(failures, []);
    assert.deepEqual(
      (await changes(head)).map((e) => e.envelope.type),
      [],
    );
  });

  it('answers 403 to a role a route does not admit, 404 to an out-of-scope read, 403 to an out-of-scope write, and records nothing', async () => {
    const head = await rb.adapters.eventStore.headPosition();
    const failures: string[] = [];
    let tried = 0;
    for (const r of routes.filter((x) => x.security === 'bearer')) {
      const plan = PLANS[routeKey(r)]!;
      for (const role of USER_ROLES)
        for (const side of sides(plan)) {
          const want = expected(r, plan, role, side);
          if (want === 'admitted') continue;
          tried += 1;
          const res = await tryRoute(r, plan, places[side], tokens[role]);
          const body = JSON.parse(res.text || '{}') as { error?: { code: string; details: unknown } };
          if (res.status !== want || !body.error || !Array.isArray(body.error.details))
            failures.push(
              `${routeKey(r)} as ${role} ${side} of scope: want ${want}, got ${res.status} ${res.text.slice(0, 160)}`,
            );
        }
    }
    assert.ok(tried > 100, `tried ${tried}`);
    assert.deepEqual(failures, []);
    await settle();
    assert.deepEqual(
      (await changes(head)).map((e) => `${e.envelope.type} ${e.envelope.streamId}`),
      [],
      'refused requests recorded events',
    );
  });

  it('admits every role a route admits in scope, and an admitted answer shows nothing of another scope', async () => {
    const failures: string[] = [];
    // Reads first, so the writes (which close tasks, book and cancel) do not change what they see.
    const ordered = routes
      .filter((x) => x.security === 'bearer')
      .sort((a, b) => Number(a.method !== 'get') - Number(b.method !== 'get'));
    for (const r of ordered) {
      const plan = PLANS[routeKey(r)]!;
      for (const role of USER_ROLES)
        for (const side of sides(plan)) {
          if (expected(r, plan, role, side) !== 'admitted') continue;
          const res = await tryRoute(r, plan, places[side], tokens[role]);
          // Admitted: done, or (a write) refused by the resource's state, never by who is asking.
          const admitted =
            (res.status >= 200 && res.status < 300) ||
            (r.method !== 'get' && [409, 422].includes(res.status));
          if (!admitted) {
            failures.push(
              `${routeKey(r)} as ${role} ${side} of scope: ${res.status} ${res.text.slice(0, 160)}`,
            );
            continue;
          }
          if (role !== 'admin' && side === 'in' && !plan.shared && res.status < 300) {
            const named = leaks(res.text);
            if (named.length) failures.push(`${routeKey(r)} as ${role}: shows ${named.join(', ')}`);
          }
        }
      // A list filtered on the other clinic: nothing of it (an empty answer or 404).
      if (plan.scope === 'list')
        for (const role of USER_ROLES.filter(
          (x) => x !== 'admin' && (r.roles.length === 0 || r.roles.includes(x)),
        )) {
          const res = await tryRoute(r, plan, places.out, tokens[role]);
          if (res.status === 404) continue;
          const named = res.status < 300 ? leaks(res.text) : [];
          if (res.status >= 300 || named.length)
            failures.push(
              `${routeKey(r)} as ${role} filtered out of scope: ${res.status} ${named.join(', ')}`,
            );
        }
      await settle();
    }
    assert.deepEqual(failures, []);
  });

  it('lets every role subscribe to exactly the live queues of its scope', async () => {
    const sockets: Socket[] = [];
    const places = [
      { locationId: 'aurora', regionId: 'west', podId: 'pod-mountain' },
      { locationId: 'boston', regionId: 'east', podId: 'pod-harbor' },
    ];
    const scopes = [
      { scope: 'location', id: 'aurora' },
      { scope: 'location', id: 'boston' },
      { scope: 'location', id: 'nowhere' },
      { scope: 'region', id: 'west' },
      { scope: 'region', id: 'east' },
      { scope: 'pod', id: 'pod-mountain' },
      { scope: 'pod', id: 'pod-harbor' },
    ] as const;
    // A queue is the caller's when every clinic it shows is in the caller's scope; region boards are
    // supervisors' (a region gains clinics), pod boards are not clinic staff's.
    const mayWatch = (user: AuthUser, s: (typeof scopes)[number]) => {
      if (user.role === 'admin') return true;
      if (s.scope === 'region' && user.role !== 'supervisor') return false;
      if (s.scope === 'pod' && user.role === 'clinic_staff') return false;
      const covered = places.filter((p) =>
        s.scope === 'location'
          ? p.locationId === s.id
          : s.scope === 'region'
            ? p.regionId === s.id
            : p.podId === s.id,
      );
      return covered.length > 0 && covered.every((p) => inScope(user, p));
    };
    const failures: string[] = [];
    try {
      for (const role of USER_ROLES) {
        const socket = io(`${rb.service.url}/wallboard`, {
          auth: { token: tokens[role] },
          transports: ['websocket'],
          reconnection: false,
        });
        sockets.push(socket);
        await new Promise<void>((resolve, reject) => {
          socket.once('connect', () => resolve());
          socket.once('connect_error', reject);
        });
        for (const s of scopes) {
          const ack = (await socket.timeout(5000).emitWithAck('subscribe', s)) as {
            ok: boolean;
            error?: string;
          };
          const want = mayWatch(users[role], s);
          if (ack.ok !== want || (!want && ack.error !== 'forbidden'))
            failures.push(
              `${role} ${s.scope}:${s.id}: want ${want ? 'ok' : 'forbidden'}, got ${JSON.stringify(ack)}`,
            );
        }
      }
      for (const bad of [
        '',
        'not.a.jwt',
        await signDevToken(users.admin, 'another-secret-long-enough-0123456789-abc'),
      ]) {
        const socket = io(`${rb.service.url}/wallboard`, {
          auth: { token: bad },
          transports: ['websocket'],
          reconnection: false,
        });
        sockets.push(socket);
        const outcome = await new Promise<string>((resolve) => {
          socket.once('connect', () => resolve('connected'));
          socket.once('connect_error', (e) => resolve(`refused: ${e.message}`));
        });
        if (!outcome.startsWith('refused'))
          failures.push(`token ${JSON.stringify(bad.slice(0, 12))}: ${outcome}`);
      }
    } finally {
      for (const s of sockets) s.disconnect();
    }
    assert.deepEqual(failures, []);
  });
});
