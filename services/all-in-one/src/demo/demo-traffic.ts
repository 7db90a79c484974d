// Simulated callers and coordinators for the demo health system (DEMO_TRAFFIC=on). Everything goes
// through the public API, as a telephony provider and people at their desks would use it: signed
// call webhooks, coordinators polling their offers, accepting, calling back, escalating, resolving.
import { createHmac } from 'node:crypto';
import { DateTime } from 'luxon';
import { devTokenOptionsFor, signDevToken, type DevTokenClaims } from '@ringback/auth';
import type { RingbackConfig } from '@ringback/config';
import {
  DEMO_APPOINTMENT_TYPES,
  DEMO_CALLS,
  DEMO_CLINICS,
  DEMO_COORDINATORS,
  DEMO_SCHEDULING_AUTHORITY,
  demoProvider,
  type DemoClinic,
} from './demo-health-system';

interface DemoLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

export interface DemoTrafficOptions {
  /** Base URL of this process. */
  url: string;
  config: RingbackConfig;
  logger: DemoLogger;
  /** Mean time between simulated calls (default 4 s). */
  callEveryMs?: number;
  /** How often simulated coordinators look at their screen (default 1.5 s). */
  deskEveryMs?: number;
  random?: () => number;
}

export interface DemoTraffic {
  /** Resolves once the demo health system is configured. */
  readonly seeded: Promise<void>;
  stop(): Promise<void>;
}

interface TaskBody {
  taskId: string;
  locationId: string;
  intent: string | null;
  status: string;
  tier: number;
  handoff: { role: string; accepted: boolean } | null;
  assigneeId: string | null;
}

export function startDemoTraffic(options: DemoTrafficOptions): DemoTraffic {
  const { url, config, logger } = options;
  const random = options.random ?? Math.random;
  const secret = config.auth.jwtSecret;
  let stopped = false;
  const timers: NodeJS.Timeout[] = [];
  const inFlight = new Set<Promise<unknown>>();
  const busy = new Set<string>();
  const recentCallers: { clinic: DemoClinic; from: string }[] = [];
  let callSeq = 0;

  if (!secret) {
    logger.warn({}, 'demo traffic needs an HS256 AUTH_JWT_SECRET; not started');
    return { seeded: Promise.resolve(), stop: async () => undefined };
  }
  const token = (claims: DevTokenClaims) => signDevToken(claims, secret, devTokenOptionsFor(config.auth));
  const regions = [...new Set(DEMO_CLINICS.map((c) => c.regionId))];
  const tokens = {
    admin: token({ role: 'admin', sub: 'demo-admin' }),
    nurse: token({ role: 'supervisor', sub: 'nurse-on-call', regions }),
    coordinators: new Map(
      DEMO_COORDINATORS.map((c) => [c.id, token({ role: 'coordinator', sub: c.id, pods: c.podIds })]),
    ),
  };

  const track = <T>(p: Promise<T>): Promise<T> => {
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p)).catch(() => undefined);
    return p;
  };
  const api = async (method: string, path: string, bearer: Promise<string>, body?: unknown) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${await bearer}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as unknown) : null };
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const later = (ms: number, run: () => Promise<unknown>) => {
    const t = setTimeout(() => {
      if (!stopped)
        void track(run().catch((error: unknown) => logger.warn({ err: String(error) }, 'demo step failed')));
    }, ms);
    t.unref();
    timers.push(t);
  };

  const seed = async () => {
    for (const c of DEMO_CLINICS) {
      const { id, areaCode: _a, ...body } = c;
      await api('PUT', `/api/v1/admin/locations/${id}`, tokens.admin, {
        ...body,
        holidays: ['2026-12-25', '2027-01-01'],
      });
    }
    for (const t of DEMO_APPOINTMENT_TYPES) {
      const { id, ...body } = t;
      await api('PUT', `/api/v1/admin/appointment-types/${id}`, tokens.admin, {
        ...body,
        serviceLine: 'primary_care',
      });
    }
    for (const clinic of DEMO_CLINICS) {
      const provider = demoProvider(clinic);
      await api('PUT', `/api/v1/admin/providers/${provider.id}`, tokens.admin, provider.body);
    }
    for (const c of DEMO_COORDINATORS) {
      const { id, ...body } = c;
      await api('PUT', `/api/v1/admin/coordinators/${id}`, tokens.admin, {
        ...body,
        schedulingAuthority: [...DEMO_SCHEDULING_AUTHORITY],
      });
      // Most are at their desks; two start on a break.
      const presence = id === 'bo' || id === 'gus' ? 'away' : 'available';
      await api('PUT', `/api/v1/coordinators/${id}/presence`, tokens.coordinators.get(id)!, { presence });
    }
    await importHistory();
    logger.info(
      { clinics: DEMO_CLINICS.length, coordinators: DEMO_COORDINATORS.length },
      'demo health system ready',
    );
  };

  /**
   * A week of history for the reports and the 7-day diagnostic, through the call-log import (once: when
   * the past week is empty). Clinic hours, more calls mid-morning, some not returned the same day.
   */
  const importHistory = async () => {
    const weekAgo = Date.now() - 7 * 86_400_000;
    const past = await api(
      'GET',
      `/api/v1/reports/kpis?from=${new Date(weekAgo).toISOString()}&to=${new Date(Date.now() - 3_600_000).toISOString()}`,
      tokens.admin,
    );
    if (past.status !== 200 || (past.body as { totalInbound: number }).totalInbound > 0) return;
    const lines = ['call_id,location_id,started_at,outcome,intent,first_callback_at,reached_at,booked'];
    const iso = (ms: number) => new Date(ms).toISOString();
    for (const clinic of DEMO_CLINICS) {
      for (let n = 0; n < 60; n++) {
        const day = Math.floor(random() * 7);
        const hour = 8 + Math.floor(random() * 9) + (random() < 0.4 ? 0 : 1);
        // A clinic-hours call in the clinic's own time zone.
        const at = DateTime.fromMillis(weekAgo, { zone: clinic.timezone })
          .startOf('day')
          .plus({ days: day, hours: hour, minutes: Math.floor(random() * 60) })
          .toMillis();
        if (at > Date.now() - 3_600_000) continue;
        const roll = random();
        const outcome = roll < 0.55 ? 'answered' : roll < 0.85 ? 'missed' : 'voicemail';
        const intent = pick(DEMO_CALLS).intent ?? '';
        const callback =
          outcome === 'answered' || random() < 0.1
            ? null
            : at + Math.floor((random() < 0.7 ? random() * 90 : 300 + random() * 1200) * 60_000);
        const reached = callback !== null && random() < 0.75 ? callback : null;
        const booked =
          reached !== null && (intent === 'new_patient' || intent === 'referral') && random() < 0.7;
        lines.push(
          [
            `hist-${clinic.id}-${n}`,
            clinic.id,
            iso(at),
            outcome,
            intent,
            callback ? iso(callback) : '',
            reached ? iso(reached) : '',
            booked ? 'yes' : 'no',
          ].join(','),
        );
      }
    }
    const res = await fetch(`${url}/api/v1/admin/imports/call-logs?fileName=demo-history.csv`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await tokens.admin}`, 'content-type': 'text/csv' },
      body: `${lines.join('\n')}\n`,
    });
    if (res.status !== 201) logger.warn({ status: res.status }, 'demo history was not imported');
  };

  const placeCall = async () => {
    callSeq += 1;
    const repeat = recentCallers.length > 0 && random() < 0.1 ? pick(recentCallers) : null;
    const clinic = repeat?.clinic ?? pick(DEMO_CLINICS);
    const from =
      repeat?.from ?? `+1${clinic.areaCode}55501${String(Math.floor(random() * 100)).padStart(2, '0')}`;
    recentCallers.push({ clinic, from });
    if (recentCallers.length > 30) recentCallers.shift();
    const totalWeight = DEMO_CALLS.reduce((s, c) => s + c.weight, 0);
    let roll = random() * totalWeight;
    const kind = DEMO_CALLS.find((c) => (roll -= c.weight) < 0) ?? DEMO_CALLS[0]!;
    const body = {
      providerCallId: `demo-${Date.now().toString(36)}-${callSeq}`,
      locationId: clinic.id,
      from,
      occurredAt: new Date().toISOString(),
      ...(kind.intent ? { intent: kind.intent } : {}),
      ...(kind.transcript ? { transcript: kind.transcript } : {}),
      ...(kind.language ? { language: kind.language } : {}),
    };
    const raw = JSON.stringify(body);
    const ts = Math.floor(Date.now() / 1000);
    const signature = createHmac('sha256', config.ingest.webhookSecret).update(`${ts}.${raw}`).digest('hex');
    await fetch(`${url}/api/v1/calls/${kind.transcript ? 'voicemail' : 'missed'}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-ringback-timestamp': String(ts),
        'x-ringback-signature': `sha256=${signature}`,
      },
      body: raw,
    });
  };

  const work = async (coordinatorId: string, taskId: string) => {
    const bearer = tokens.coordinators.get(coordinatorId)!;
    const got = await api('GET', `/api/v1/tasks/${taskId}`, bearer);
    if (got.status !== 200) return;
    const task = got.body as TaskBody;
    if (task.status === 'resolved' || task.status === 'unreachable') return;
    if (task.handoff && !task.handoff.accepted) {
      if (task.status !== 'escalated')
        await api('POST', `/api/v1/tasks/${taskId}/escalate`, bearer, {
          role: task.handoff.role,
          reason: 'caller reports symptoms',
        });
      await api('POST', `/api/v1/tasks/${taskId}/handoff/accept`, tokens.nurse, {});
      await api('POST', `/api/v1/tasks/${taskId}/resolve`, bearer, { resolution: 'handled_clinically' });
      return;
    }
    const roll = random();
    const outcome =
      roll < 0.6
        ? 'reached_booked'
        : roll < 0.75
          ? 'reached_resolved'
          : roll < 0.9
            ? 'no_answer'
            : 'voicemail_left';
    await api('POST', `/api/v1/tasks/${taskId}/attempts`, bearer, { outcome });
    // Booked callers get a real appointment (which resolves the task); a full diary puts them on the waitlist.
    if (outcome === 'reached_booked' && (await book(bearer, task)) !== 'booked') {
      await api('POST', `/api/v1/tasks/${taskId}/resolve`, bearer, {
        resolution: 'resolved',
        note: 'no slot that suits: on the waitlist',
      });
    }
    if (outcome === 'reached_resolved')
      await api('POST', `/api/v1/tasks/${taskId}/resolve`, bearer, { resolution: 'resolved' });
  };

  /** Simulated patients: a few answer their messages (confirm, cancel, reschedule). */
  const patientText = async (from: string, body: string) => {
    callSeq += 1;
    const raw = JSON.stringify({
      providerMessageId: `demo-sms-${Date.now().toString(36)}-${callSeq}`,
      from,
      body,
    });
    const ts = Math.floor(Date.now() / 1000);
    const signature = createHmac('sha256', config.ingest.webhookSecret).update(`${ts}.${raw}`).digest('hex');
    await fetch(`${url}/api/v1/messages/inbound`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-ringback-timestamp': String(ts),
        'x-ringback-signature': `sha256=${signature}`,
      },
      body: raw,
    });
  };

  const book = async (
    bearer: Promise<string>,
    task: TaskBody,
  ): Promise<'booked' | 'waitlisted' | 'failed'> => {
    const contact = (await api('GET', `/api/v1/tasks/${task.taskId}/contact`, bearer)).body as {
      callerPhone?: string;
      language?: string | null;
    } | null;
    const newPatient = task.intent === 'new_patient' || task.intent === 'referral';
    const typeId = newPatient ? 'new-visit' : 'follow-up';
    const from = new Date(Date.now() + 2 * 3_600_000).toISOString();
    const to = new Date(Date.now() + 10 * 86_400_000).toISOString();
    const slots = await api(
      'GET',
      `/api/v1/slots?locationId=${task.locationId}&appointmentTypeId=${typeId}&from=${from}&to=${to}`,
      bearer,
    );
    const free =
      slots.status === 200
        ? (slots.body as { items: { slotId: string; protected: boolean }[] }).items.filter(
            (s) => !s.protected,
          )
        : [];
    const patient = {
      patientRef: `demo-${task.taskId}`,
      phone: contact?.callerPhone ?? null,
      preferredChannel: 'sms',
      language: contact?.language ?? 'en',
      ...(random() < 0.1 ? { priorNoShows: 2 } : {}),
    };
    if (free.length === 0 || random() < 0.1) {
      const r = await api('POST', '/api/v1/waitlist', bearer, {
        locationId: task.locationId,
        appointmentTypeId: typeId,
        newPatient,
        patient,
        clinicalPriority: random() < 0.3 ? 1 : 3,
        taskId: task.taskId,
      });
      return r.status === 201 ? 'waitlisted' : 'failed';
    }
    const slot = free[Math.floor(random() * Math.min(free.length, 12))]!;
    const r = await api('POST', '/api/v1/appointments', bearer, {
      slotId: slot.slotId,
      appointmentTypeId: typeId,
      newPatient,
      patient,
      taskId: task.taskId,
    });
    if (r.status !== 201) return 'failed';
    if (patient.phone) {
      // Some patients answer the confirmation: most confirm, a few cancel (the slot goes to the waitlist).
      const answer = random();
      if (answer < 0.5) later(5_000 + random() * 20_000, () => patientText(patient.phone!, '1'));
      else if (answer < 0.62) later(10_000 + random() * 30_000, () => patientText(patient.phone!, '2'));
      else if (answer < 0.66) later(10_000 + random() * 30_000, () => patientText(patient.phone!, '3'));
    }
    return 'booked';
  };

  const desk = async (coordinatorId: string) => {
    if (busy.has(coordinatorId)) return;
    const bearer = tokens.coordinators.get(coordinatorId)!;
    const me = await api('GET', `/api/v1/coordinators/${coordinatorId}`, bearer);
    if (me.status !== 200) return;
    const c = me.body as {
      presence: string;
      offer: { offerId: string; taskId: string } | null;
      activeTaskIds: string[];
    };
    if (c.presence === 'away' && random() < 0.02) {
      await api('PUT', `/api/v1/coordinators/${coordinatorId}/presence`, bearer, { presence: 'available' });
      return;
    }
    if (c.offer) {
      const offer = c.offer;
      busy.add(coordinatorId);
      // Most offers are taken after a moment; some are declined or left to lapse.
      later(2_000 + random() * 4_000, async () => {
        try {
          const roll = random();
          if (roll < 0.85)
            await api('POST', `/api/v1/tasks/${offer.taskId}/accept`, bearer, { offerId: offer.offerId });
          else if (roll < 0.93)
            await api('POST', `/api/v1/tasks/${offer.taskId}/decline`, bearer, {
              offerId: offer.offerId,
              reason: 'on another call',
            });
        } finally {
          busy.delete(coordinatorId);
        }
      });
      return;
    }
    const taskId = c.activeTaskIds[0];
    if (taskId) {
      busy.add(coordinatorId);
      later(5_000 + random() * 10_000, async () => {
        try {
          await work(coordinatorId, taskId);
        } finally {
          busy.delete(coordinatorId);
        }
      });
      return;
    }
    if (c.presence === 'available' && random() < 0.01)
      await api('PUT', `/api/v1/coordinators/${coordinatorId}/presence`, bearer, { presence: 'away' });
  };

  const seeded = track(seed());
  void seeded.then(
    () => {
      if (stopped) return;
      const every = options.callEveryMs ?? 4_000;
      const nextCall = () => {
        later(every * (0.3 + random() * 1.4), async () => {
          await placeCall();
          if (!stopped) nextCall();
        });
      };
      nextCall();
      const deskTimer = setInterval(() => {
        if (stopped) return;
        for (const c of DEMO_COORDINATORS)
          void track(
            desk(c.id).catch((error: unknown) => logger.warn({ err: String(error) }, 'demo desk failed')),
          );
      }, options.deskEveryMs ?? 1_500);
      deskTimer.unref();
      timers.push(deskTimer);
    },
    (error: unknown) => logger.warn({ err: String(error) }, 'demo health system could not be set up'),
  );

  return {
    seeded,
    stop: async () => {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      await Promise.allSettled([...inFlight]);
    },
  };
}
