// The wallboard: signs in (demo users in embedded mode, or a pasted token), subscribes to the live
// queues the token covers, applies snapshot + deltas (resubscribing on a gap) and renders per scope
// the waiting work by tier, at-risk and breached counts, the oldest wait, and the queue with live SLA
// countdowns. Status is always written out, never shown by colour alone.
(function () {
  'use strict';
  const TOKEN_KEY = 'ringback.token';
  // PHI whose key was destroyed (an erasure or the retention policy) reads as this marker.
  const ERASED = '[erased]';
  const unlessErased = (v) => (v && v !== ERASED ? v : null);
  // Time travel: /?at=<ISO instant> shows the queues as they stood then, replayed from history.
  const AS_OF = (() => {
    const at = new URLSearchParams(location.search).get('at');
    const ms = at ? Date.parse(at) : NaN;
    return Number.isNaN(ms) ? null : ms;
  })();
  const viewNow = () => AS_OF ?? Date.now();
  const boards = new Map(); // key -> { scope, id, seq, tasks: Map, stats }
  let socket = null;
  let claims = null;

  const $ = (id) => document.getElementById(id);
  const el = (tag, attrs, ...children) => {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'class') node.className = v;
      else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v);
    }
    for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return node;
  };

  function decode(token) {
    const part = token.split('.')[1];
    if (!part) throw new Error('not a JWT');
    return JSON.parse(atob(part.replace(/-/g, '+').replace(/_/g, '/')));
  }

  async function showSignIn(message) {
    $('signin').hidden = false;
    $('boards').replaceChildren();
    $('signin-error').textContent = message || '';
    const list = $('demo-users');
    list.replaceChildren();
    try {
      const res = await fetch('/api/v1/dev/demo-users');
      if (res.ok) {
        const { users } = await res.json();
        // A wallboard TV can be bookmarked signed in: /?as=sup-west
        const as = new URLSearchParams(location.search).get('as');
        const wanted = users.find((u) => u.id === as);
        if (wanted) return signIn(wanted.token);
        list.append(el('p', {}, 'Demo users (embedded mode):'));
        for (const u of users)
          list.append(
            el('button', { type: 'button', 'data-user': u.id, onclick: () => signIn(u.token) }, u.label),
          );
      }
    } catch (_) {
      /* no demo users: paste a token */
    }
  }

  function signIn(token) {
    try {
      claims = decode(token);
    } catch (e) {
      $('signin-error').textContent = 'That is not a token.';
      return;
    }
    localStorage.setItem(TOKEN_KEY, token);
    $('signin').hidden = true;
    $('who').textContent = `${claims.sub} · ${claims.role}`;
    if (AS_OF !== null) return void showAsOf(token);
    connect(token);
    if (claims.role === 'coordinator') startDesk(token);
    if (claims.role === 'supervisor' || claims.role === 'admin') startTeam(token);
    if (claims.role !== 'coordinator') startReports(token);
    if (claims.role === 'supervisor' || claims.role === 'admin') startWhatIf(token);
  }

  async function scopesFor(token) {
    switch (claims.role) {
      case 'supervisor':
        return claims.regions.map((id) => ({ scope: 'region', id }));
      case 'coordinator':
        return claims.pods.map((id) => ({ scope: 'pod', id }));
      case 'clinic_staff':
        return claims.locations.map((id) => ({ scope: 'location', id }));
      default: {
        const res = await fetch('/api/v1/locations', { headers: { authorization: `Bearer ${token}` } });
        const body = res.ok ? await res.json() : { items: [] };
        const regions = [...new Set((body.items || []).map((l) => l.regionId))].sort();
        return regions.map((id) => ({ scope: 'region', id }));
      }
    }
  }

  function connect(token) {
    if (socket) socket.disconnect();
    socket = io('/wallboard', { auth: { token }, transports: ['websocket'] });
    socket.on('connect', async () => {
      setConn(true);
      if (socket.recovered) return; // a short drop: the server kept the subscriptions and replayed the deltas
      for (const s of await scopesFor(token)) subscribe(s);
    });
    socket.on('disconnect', () => setConn(false));
    socket.on('connect_error', (err) => {
      setConn(false);
      if (/unauthorized/.test(err.message)) {
        localStorage.removeItem(TOKEN_KEY);
        socket.disconnect();
        showSignIn('Your sign-in is not valid any more: sign in again.');
      }
    });
    socket.on('queue.snapshot', (s) => {
      const b = board(s);
      b.tasks = new Map(s.tasks.map((t) => [t.taskId, t]));
      b.seq = s.seq;
      b.stats = s.stats;
      render(b);
    });
    socket.on('queue.delta', (d) => {
      const b = board(d);
      if (d.seq !== b.seq + 1) return subscribe(d); // a gap: ask for a fresh snapshot
      b.seq = d.seq;
      for (const t of d.upserts) b.tasks.set(t.taskId, t);
      for (const id of d.removals) b.tasks.delete(id);
      if (d.stats) b.stats = d.stats;
      render(b);
    });
  }

  const LIVE = ['open', 'assigned', 'in_progress', 'escalated'];

  async function showAsOf(token) {
    const c = $('conn');
    c.textContent = `AS OF ${new Date(AS_OF).toISOString()} · not live`;
    c.className = 'conn conn-off';
    c.setAttribute('data-as-of', new Date(AS_OF).toISOString());
    for (const s of await scopesFor(token)) {
      const query = new URLSearchParams({ asOf: new Date(AS_OF).toISOString() });
      if (s.scope === 'region') query.set('regionId', s.id);
      if (s.scope === 'location') query.set('locationId', s.id);
      const res = await fetch(`/api/v1/tasks?${query}`, { headers: { authorization: `Bearer ${token}` } });
      const b = board(s);
      if (!res.ok) {
        b.error = `history not available (${res.status})`;
        render(b);
        continue;
      }
      const { items } = await res.json();
      const inScope = items.filter((t) => LIVE.includes(t.status) && (s.scope !== 'pod' || t.podId === s.id));
      b.tasks = new Map(inScope.map((t) => [t.taskId, t]));
      b.asOf = true;
      render(b);
    }
  }

  function subscribe(s) {
    socket.emit('subscribe', { scope: s.scope, id: s.id }, (ack) => {
      if (!ack || !ack.ok) board(s).error = ack ? ack.error : 'no answer';
    });
  }

  function board(s) {
    const key = `${s.scope}:${s.id}`;
    let b = boards.get(key);
    if (!b) {
      b = {
        scope: s.scope,
        id: s.id,
        seq: -1,
        tasks: new Map(),
        node: el('section', { class: 'board', 'data-scope': key }),
      };
      boards.set(key, b);
      $('boards').append(b.node);
    }
    return b;
  }

  function setConn(on) {
    const c = $('conn');
    c.textContent = on ? 'live' : 'offline';
    c.className = `conn ${on ? 'conn-on' : 'conn-off'}`;
  }

  const SLA_TEXT = { on_track: 'on track', at_risk: 'AT RISK', breached: 'BREACHED', met: 'met' };

  function countdown(t, now) {
    const ms = Date.parse(t.sla.dueAt) - now;
    const sign = ms < 0 ? '−' : '';
    const s = Math.floor(Math.abs(ms) / 1000);
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    const ss = String(s % 60).padStart(2, '0');
    return `${sign}${h > 0 ? `${h}:${String(m).padStart(2, '0')}` : m}:${ss}`;
  }

  function render(b) {
    const now = viewNow();
    const tasks = [...b.tasks.values()].sort((x, y) => (x.sla.dueAt < y.sla.dueAt ? -1 : 1));
    const waiting = tasks.filter((t) => t.status === 'open');
    const byTier = [1, 2, 3].map((tier) => waiting.filter((t) => t.tier === tier).length);
    const oldest = waiting.reduce(
      (min, t) => (min === null || t.sla.startedAt < min ? t.sla.startedAt : min),
      null,
    );
    const tile = (n, label) =>
      el('div', { class: 'tile' }, el('div', { class: 'n' }, n), el('div', { class: 'l' }, label));
    const rows = tasks.map((t) =>
      el(
        'tr',
        { class: `row-${t.sla.status}`, 'data-task': t.taskId },
        el('td', {}, el('span', { class: `tier tier-${t.tier}` }, `T${t.tier}`)),
        el('td', {}, t.locationId),
        el('td', {}, t.intent || '—'),
        el('td', {}, t.status.replace('_', ' ')),
        el(
          'td',
          { class: `sla sla-${t.sla.status}`, 'data-due': t.sla.dueAt },
          `${countdown(t, now)} ${SLA_TEXT[t.sla.status]}`,
        ),
        el('td', {}, t.assigneeId || (t.offer ? `offered: ${t.offer.coordinatorId}` : '—')),
        el('td', {}, t.callCount > 1 ? `${t.callCount} calls` : ''),
      ),
    );
    b.node.replaceChildren(
      el('h2', {}, `${b.scope} ${b.id}`),
      el(
        'div',
        { class: 'live' },
        b.error
          ? `not shown: ${b.error}`
          : b.asOf
            ? `as of ${new Date(AS_OF).toLocaleString()} — history, not live`
            : `live · update ${b.seq}`,
      ),
      el(
        'div',
        { class: 'tiles' },
        tile(byTier[0], 'Tier 1 waiting'),
        tile(byTier[1], 'Tier 2 waiting'),
        tile(byTier[2], 'Tier 3 waiting'),
        tile(tasks.filter((t) => t.sla.status === 'at_risk').length, 'at risk'),
        tile(tasks.filter((t) => t.sla.status === 'breached').length, 'breached'),
        tile(
          oldest ? `${Math.max(0, Math.round((now - Date.parse(oldest)) / 60000))} min` : '—',
          'oldest wait',
        ),
        ...(b.stats && b.stats.last24h
          ? [
              tile(
                b.stats.last24h.attainment === null
                  ? '—'
                  : `${Math.round(b.stats.last24h.attainment * 100)}%`,
                'SLA met, last 24 h',
              ),
              tile(b.stats.last24h.breached, 'breaches, last 24 h'),
              tile(b.stats.coordinatorsAvailable, 'coordinators available'),
            ]
          : []),
      ),
      tasks.length === 0
        ? el('div', { class: 'empty' }, 'No calls waiting.')
        : el(
            'table',
            {},
            el(
              'thead',
              {},
              el(
                'tr',
                {},
                ...['Tier', 'Clinic', 'Reason', 'Status', 'SLA', 'Coordinator', ''].map((h) =>
                  el('th', {}, h),
                ),
              ),
            ),
            el('tbody', {}, ...rows),
          ),
    );
  }

  // ---- The coordinator's desk: my offer, my tasks with the callback script, my presence. ----
  const REASONS = {
    new_patient: 'booking a first visit',
    returning_patient: 'an appointment',
    referral: 'your referral',
    procedure_consult: 'a procedure consultation',
    urgent_symptom: 'how you are feeling',
    reschedule: 'moving your appointment',
    records: 'your records',
    billing: 'your bill',
    prescription: 'your prescription',
    results: 'your results',
    other: 'your call',
  };
  const OUTCOMES = [
    ['reached_booked', 'Reached – booked'],
    ['reached_resolved', 'Reached – resolved'],
    ['no_answer', 'No answer'],
    ['voicemail_left', 'Left voicemail'],
    ['busy', 'Busy'],
    ['wrong_number', 'Wrong number'],
  ];
  const locationNames = new Map();
  let deskTimer = null;
  let deskToken = null;

  async function call(method, url, body) {
    const res = await fetch(url, {
      method,
      headers: {
        authorization: `Bearer ${deskToken}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  }

  async function clinicName(id) {
    if (!locationNames.has(id)) {
      const r = await call('GET', `/api/v1/locations/${id}`);
      locationNames.set(id, r.status === 200 ? r.body.name : id);
    }
    return locationNames.get(id);
  }

  function startDesk(token) {
    deskToken = token;
    $('desk').hidden = false;
    if (deskTimer) clearInterval(deskTimer);
    deskTimer = setInterval(() => void refreshDesk(), 2000);
    void refreshDesk();
  }

  async function act(taskId, action, body) {
    const r = await call('POST', `/api/v1/tasks/${taskId}/${action}`, body || {});
    if (r.status !== 200)
      $('desk-error').textContent = r.body && r.body.error ? r.body.error.message : `failed (${r.status})`;
    await refreshDesk();
  }

  // ---- Booking from the desk: free slots of the task's clinic, within my scheduling authority. ----
  const booking = new Map(); // taskId -> { open, types, typeId, slots, providers, message, approvalBody }
  // A booked task leaves the desk (the booking resolves it): what was booked stays in view here.
  const booked = [];
  const slotTime = (iso) =>
    new Date(iso).toLocaleString([], {
      weekday: 'short',
      day: 'numeric',
      month: 'short',
      hour: '2-digit',
      minute: '2-digit',
    });

  async function loadSlots(task) {
    const st = booking.get(task.taskId);
    const from = new Date(Date.now()).toISOString();
    const to = new Date(Date.now() + 14 * 86_400_000).toISOString();
    const r = await call(
      'GET',
      `/api/v1/slots?locationId=${encodeURIComponent(task.locationId)}&appointmentTypeId=${encodeURIComponent(st.typeId)}&from=${from}&to=${to}`,
    );
    st.slots = r.status === 200 ? r.body.items.slice(0, 8) : [];
  }

  async function openBooking(task) {
    const [types, providers] = await Promise.all([
      call('GET', '/api/v1/appointment-types'),
      call('GET', `/api/v1/providers?locationId=${encodeURIComponent(task.locationId)}`),
    ]);
    const list = types.status === 200 ? types.body.items : [];
    const offered = new Set(
      (providers.status === 200 ? providers.body.items : []).flatMap((p) =>
        Object.values(p.weekly).flatMap((ivs) => ivs.flatMap((iv) => iv.appointmentTypeIds)),
      ),
    );
    const usable = list.filter((t) => offered.has(t.appointmentTypeId));
    const preferred =
      usable.find((t) => task.intent === 'new_patient' && t.newPatientAllowed) || usable[0] || null;
    booking.set(task.taskId, {
      open: true,
      types: usable,
      typeId: preferred ? preferred.appointmentTypeId : null,
      slots: [],
      providers: new Map(
        (providers.status === 200 ? providers.body.items : []).map((p) => [p.providerId, p.name]),
      ),
      message: usable.length ? '' : 'This clinic has no bookable providers yet.',
      approvalBody: null,
    });
    if (preferred) await loadSlots(task);
    await refreshDesk();
  }

  async function bookSlot(task, contact, slot) {
    const st = booking.get(task.taskId);
    const type = st.types.find((t) => t.appointmentTypeId === st.typeId);
    const body = {
      slotId: slot.slotId,
      appointmentTypeId: st.typeId,
      newPatient: task.intent === 'new_patient' && Boolean(type && type.newPatientAllowed),
      patient: {
        patientRef: `caller-${task.taskId}`,
        phone: unlessErased(contact.callerPhone),
        preferredChannel: 'sms',
        language: contact.language || 'en',
      },
      taskId: task.taskId,
    };
    const r = await call('POST', '/api/v1/appointments', body);
    if (r.status === 201) {
      st.message = `Booked ${slotTime(r.body.start)}. The confirmation goes out by SMS.`;
      st.slots = [];
      booked.unshift(
        `Booked ${slotTime(r.body.start)} at ${await clinicName(task.locationId)} (${st.typeId}); the task is resolved.`,
      );
      booked.length = Math.min(booked.length, 3);
    } else if (r.body && r.body.error && r.body.error.code === 'approval_required') {
      st.message = `${r.body.error.message.split(':')[0]}.`;
      st.approvalBody = body;
    } else {
      st.message = r.body && r.body.error ? r.body.error.message : `failed (${r.status})`;
      if (r.status === 409) await loadSlots(task); // someone was quicker: show what is left
    }
    await refreshDesk();
  }

  async function requestApproval(task) {
    const st = booking.get(task.taskId);
    const r = await call('POST', '/api/v1/booking-approvals', st.approvalBody);
    st.message =
      r.status === 201
        ? `Approval requested; the slot is held until ${new Date(r.body.dueAt).toLocaleTimeString()}.`
        : (r.body && r.body.error && r.body.error.message) || `failed (${r.status})`;
    st.approvalBody = null;
    await refreshDesk();
  }

  function bookingBlock(task, contact) {
    const st = booking.get(task.taskId);
    if (!st || !st.open)
      return el(
        'button',
        { type: 'button', class: 'primary', 'data-action': 'find-slots', onclick: () => openBooking(task) },
        'Book an appointment',
      );
    return el(
      'div',
      { class: 'booking', 'data-booking': task.taskId },
      st.types.length
        ? el(
            'label',
            {},
            'Appointment type ',
            el(
              'select',
              {
                'data-field': 'appointment-type',
                onchange: async (e) => {
                  st.typeId = e.target.value;
                  st.message = '';
                  await loadSlots(task);
                  await refreshDesk();
                },
              },
              ...st.types.map((t) =>
                el(
                  'option',
                  {
                    value: t.appointmentTypeId,
                    ...(t.appointmentTypeId === st.typeId ? { selected: 'selected' } : {}),
                  },
                  `${t.name} (${t.durationMinutes} min)`,
                ),
              ),
            ),
          )
        : '',
      st.types.length
        ? st.slots.length
          ? el(
              'div',
              { class: 'slots' },
              ...st.slots.map((slot) =>
                el(
                  'button',
                  { type: 'button', 'data-slot': slot.slotId, onclick: () => bookSlot(task, contact, slot) },
                  `${slotTime(slot.start)} · ${st.providers.get(slot.providerId) || slot.providerId}${slot.protected ? ' · protected' : ''}`,
                ),
              ),
            )
          : el('p', { class: 'empty' }, 'No free slots of this type in the next two weeks.')
        : '',
      st.approvalBody
        ? el(
            'button',
            {
              type: 'button',
              class: 'warn',
              'data-action': 'request-approval',
              onclick: () => requestApproval(task),
            },
            'Ask for approval',
          )
        : '',
      st.message ? el('p', { class: 'note', role: 'status' }, st.message) : '',
    );
  }

  async function refreshDesk() {
    const me = await call('GET', `/api/v1/coordinators/${encodeURIComponent(claims.sub)}`);
    const desk = $('desk');
    if (me.status !== 200) {
      desk.replaceChildren(
        el('h2', {}, 'My work'),
        el('p', { class: 'empty' }, 'You have no coordinator profile yet.'),
      );
      return;
    }
    const c = me.body;
    const presence = el(
      'div',
      { class: 'presence' },
      `You are ${c.presence.replace('_', ' ')} `,
      ...['available', 'away', 'offline']
        .filter((p) => p !== c.presence)
        .map((p) =>
          el(
            'button',
            {
              type: 'button',
              'data-presence': p,
              onclick: async () => {
                await call('PUT', `/api/v1/coordinators/${encodeURIComponent(claims.sub)}/presence`, {
                  presence: p,
                });
                await refreshDesk();
              },
            },
            p === 'available' ? 'Go available' : p === 'away' ? 'Take a break' : 'Sign off',
          ),
        ),
    );
    const cards = [];
    if (c.offer) {
      const t = await call('GET', `/api/v1/tasks/${c.offer.taskId}`);
      if (t.status === 200) {
        const task = t.body;
        cards.push(
          el(
            'div',
            { class: 'card offer', 'data-offer': c.offer.offerId },
            el(
              'h3',
              {},
              `Offer: T${task.tier} · ${await clinicName(task.locationId)} · ${REASONS[task.intent] || 'a call back'}`,
            ),
            el(
              'p',
              {},
              `SLA ${countdown(task, Date.now())} ${SLA_TEXT[task.sla.status]} · answer before ${new Date(c.offer.expiresAt).toLocaleTimeString()}`,
            ),
            el(
              'button',
              {
                type: 'button',
                class: 'primary',
                'data-action': 'accept',
                onclick: () => act(task.taskId, 'accept', { offerId: c.offer.offerId }),
              },
              'Accept',
            ),
            el(
              'button',
              {
                type: 'button',
                'data-action': 'decline',
                onclick: () => act(task.taskId, 'decline', { offerId: c.offer.offerId }),
              },
              'Decline',
            ),
          ),
        );
      }
    }
    const mine = [];
    for (const id of c.activeTaskIds) {
      const t = await call('GET', `/api/v1/tasks/${id}`);
      if (t.status === 200) mine.push(t.body);
    }
    mine.sort((a, b) => (a.sla.dueAt < b.sla.dueAt ? -1 : 1)); // least slack first
    for (const task of mine) {
      const contact = (await call('GET', `/api/v1/tasks/${task.taskId}/contact`)).body || {};
      const clinic = await clinicName(task.locationId);
      const name = unlessErased(contact.callerName) || 'there';
      const reason = REASONS[task.intent] || 'your call';
      const transcript = (contact.contacts || [])
        .map((x) => x.transcript)
        .filter(Boolean)
        .join(' / ');
      const needsHandoff = task.handoff && !task.handoff.accepted;
      cards.push(
        el(
          'div',
          { class: 'card task', 'data-task': task.taskId },
          el(
            'h3',
            {},
            `T${task.tier} · ${clinic} · ${task.status.replace('_', ' ')} · SLA ${countdown(task, Date.now())} ${SLA_TEXT[task.sla.status]}`,
          ),
          el(
            'p',
            {},
            `Call ${unlessErased(contact.callerPhone) || '(number erased)'}${contact.language ? ` · language ${contact.language}` : ''}${task.callCount > 1 ? ` · ${task.callCount} calls` : ''}`,
          ),
          transcript ? el('p', {}, `They said: “${transcript}”`) : '',
          el(
            'dl',
            { class: 'script' },
            el('dt', {}, 'Identity'),
            el('dd', {}, `Hi ${name}, this is ${c.name} from ${clinic}.`),
            el('dt', {}, 'Reason'),
            el('dd', {}, `I'm returning your call about ${reason}.`),
            el('dt', {}, 'Next step'),
            el(
              'dd',
              {},
              needsHandoff
                ? `I'm connecting you with our ${task.handoff.role === 'RN' ? 'nurse' : task.handoff.role.replace('_', ' ')} now.`
                : 'I can help you with that now.',
            ),
            el('dt', {}, 'Time commitment'),
            el('dd', {}, 'This will only take a few minutes.'),
            el('dt', {}, 'Backup contact'),
            el(
              'dd',
              {},
              "If we get disconnected, I'll call right back on this number. Does that still work for you?",
            ),
          ),
          needsHandoff
            ? el(
                'button',
                {
                  type: 'button',
                  class: 'warn',
                  'data-action': 'escalate',
                  onclick: () =>
                    act(task.taskId, 'escalate', { role: task.handoff.role, reason: 'symptoms reported' }),
                },
                `Hand off to ${task.handoff.role}`,
              )
            : '',
          ...OUTCOMES.map(([outcome, label]) =>
            el(
              'button',
              {
                type: 'button',
                'data-outcome': outcome,
                onclick: () => act(task.taskId, 'attempts', { outcome }),
              },
              label,
            ),
          ),
          bookingBlock(task, contact),
          el(
            'button',
            {
              type: 'button',
              class: 'primary',
              'data-action': 'resolve-booked',
              onclick: () => act(task.taskId, 'resolve', { resolution: 'booked' }),
            },
            'Resolve: booked',
          ),
          el(
            'button',
            {
              type: 'button',
              'data-action': 'resolve',
              onclick: () => act(task.taskId, 'resolve', { resolution: 'resolved' }),
            },
            'Resolve',
          ),
        ),
      );
    }
    desk.replaceChildren(
      presence,
      el('h2', {}, `My work · ${c.name}`),
      el('p', { id: 'desk-error', class: 'error', role: 'alert' }),
      ...booked.map((text) => el('p', { class: 'booked-note', role: 'status' }, text)),
      ...(cards.length
        ? cards
        : [
            el(
              'p',
              { class: 'empty' },
              c.presence === 'available' ? 'Waiting for the next call…' : 'Go available to get calls.',
            ),
          ]),
    );
  }

  // ---- The supervisor's view: the pods and who is in, and the breaches to act on. ----
  let teamTimer = null;

  function startTeam(token) {
    deskToken = token;
    $('team').hidden = false;
    if (teamTimer) clearInterval(teamTimer);
    teamTimer = setInterval(() => void refreshTeam(), 5000);
    void refreshTeam();
  }

  /** `+13035550101` -> `•••0101`: the outbox shows whom a message went to without the whole number. */
  const masked = (to) =>
    to === ERASED
      ? '(erased)'
      : to.includes('@')
        ? to.replace(/^(.).*(@.*)$/, '$1•••$2')
        : `•••${to.slice(-4)}`;
  const KIND_TEXT = {
    confirmation: 'Booking confirmation',
    reminder_48h: 'Reminder (2 days)',
    reminder_24h: 'Reminder (1 day)',
    same_day: 'Same-day check-in',
    cancellation: 'Cancellation',
    waitlist_offer: 'Waitlist offer',
    waitlist_filled: 'Offer filled',
    help: 'Help reply',
    opt_out: 'Opt-out confirmation',
  };

  async function refreshTeam() {
    const [people, alerts, outbox, approvals, followUps] = await Promise.all([
      call('GET', '/api/v1/coordinators'),
      call('GET', '/api/v1/alerts?state=active'),
      call('GET', '/api/v1/outbox?limit=25'),
      call('GET', '/api/v1/booking-approvals?state=pending'),
      call('GET', '/api/v1/follow-ups?state=open'),
    ]);
    const byPod = new Map();
    for (const c of people.status === 200 ? people.body.items : [])
      for (const pod of c.podIds) byPod.set(pod, [...(byPod.get(pod) || []), c]);
    const pods = [...byPod.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
    const available = (people.status === 200 ? people.body.items : []).filter(
      (c) => c.presence === 'available',
    ).length;
    const teamPanel = el(
      'div',
      {},
      el('h2', {}, `Team · ${available} available`),
      ...pods.map(([pod, list]) =>
        el(
          'div',
          { class: 'pod' },
          el('h3', {}, pod),
          ...list.map((c) =>
            el(
              'span',
              { class: `person ${c.presence}`, 'data-coordinator': c.coordinatorId },
              `${c.name}: ${c.presence.replace('_', ' ')}${c.offer ? ' (offer)' : ''}${c.activeTaskIds.length ? ` · ${c.activeTaskIds.length} task` : ''}`,
            ),
          ),
        ),
      ),
    );
    const list = alerts.status === 200 ? alerts.body.items : [];
    const alertPanel = el(
      'div',
      {},
      el('h2', {}, `Breaches to act on · ${list.length}`),
      ...(list.length === 0
        ? [el('p', { class: 'empty' }, 'No open breaches.')]
        : list.map((a) =>
            el(
              'div',
              { class: 'alert', 'data-alert': a.alertId },
              `BREACHED T${a.tier} · ${a.locationId} · due ${new Date(a.dueAt).toLocaleTimeString()}`,
              claims.role === 'supervisor' || claims.role === 'admin'
                ? el(
                    'button',
                    {
                      type: 'button',
                      'data-action': 'acknowledge',
                      onclick: async () => {
                        await call('POST', `/api/v1/alerts/${encodeURIComponent(a.alertId)}/acknowledge`, {});
                        await refreshTeam();
                      },
                    },
                    'Acknowledge',
                  )
                : '',
            ),
          )),
    );
    const pending = approvals.status === 200 ? approvals.body.items : [];
    const approvalPanel = el(
      'div',
      {},
      el('h2', {}, `Bookings waiting for approval · ${pending.length}`),
      ...(pending.length === 0
        ? [el('p', { class: 'empty' }, 'Nothing to approve.')]
        : pending.map((a) =>
            el(
              'div',
              { class: 'approval', 'data-approval': a.approvalId },
              `${a.appointmentTypeId} · ${slotTime(a.slotId.slice(a.slotId.indexOf('.') + 1))} · ${a.reason.replace(/_/g, ' ')} · asked by ${a.requestedBy} · decide by ${new Date(a.dueAt).toLocaleTimeString()} `,
              ...['approve', 'deny'].map((d) =>
                el(
                  'button',
                  {
                    type: 'button',
                    'data-action': d,
                    onclick: async () => {
                      const r = await call('POST', `/api/v1/booking-approvals/${a.approvalId}/${d}`, {});
                      if (r.status !== 200 && r.body && r.body.error) alert(r.body.error.message);
                      await refreshTeam();
                    },
                  },
                  d === 'approve' ? 'Approve' : 'Deny',
                ),
              ),
            ),
          )),
    );
    const open = followUps.status === 200 ? followUps.body.items : [];
    const followUpPanel = el(
      'div',
      {},
      el('h2', {}, `Patients to call · ${open.length}`),
      ...(open.length === 0
        ? [el('p', { class: 'empty' }, 'No follow-ups.')]
        : open.map((f) =>
            el(
              'div',
              { class: 'follow-up', 'data-follow-up': f.followUpId },
              `${f.reason.replace(/_/g, ' ')} · ${f.locationId} · due ${new Date(f.dueAt).toLocaleString()} `,
              el(
                'button',
                {
                  type: 'button',
                  'data-action': 'complete',
                  onclick: async () => {
                    await call('POST', `/api/v1/follow-ups/${f.followUpId}/complete`, {});
                    await refreshTeam();
                  },
                },
                'Done',
              ),
            ),
          )),
    );
    const messages = outbox.status === 200 ? outbox.body.items : [];
    const outboxPanel = el(
      'div',
      {},
      el('h2', {}, 'Messages to patients'),
      outbox.status !== 200
        ? el('p', { class: 'empty' }, 'The outbox is for supervisors and clinic staff.')
        : messages.length === 0
          ? el('p', { class: 'empty' }, 'No messages yet.')
          : el(
              'table',
              { class: 'outbox' },
              el(
                'thead',
                {},
                el(
                  'tr',
                  {},
                  ...['When', 'To', 'What', 'Status', 'Text'].map((h) => el('th', { scope: 'col' }, h)),
                ),
              ),
              el(
                'tbody',
                {},
                ...messages.map((m) =>
                  el(
                    'tr',
                    { 'data-message': m.messageId, class: `msg-${m.state}` },
                    el('td', {}, new Date(m.sentAt || m.sendAt).toLocaleString()),
                    el('td', {}, `${m.channel} ${masked(m.to)}`),
                    el('td', {}, KIND_TEXT[m.kind] || m.kind),
                    el(
                      'td',
                      {},
                      m.state === 'suppressed'
                        ? `not sent (${m.suppressedReason.replace(/_/g, ' ')})`
                        : m.state === 'failed'
                          ? `failed (${m.failure.kind.replace(/_/g, ' ')})`
                          : `${m.state}${m.delivery ? `, ${m.delivery}` : ''}`,
                    ),
                    el('td', { class: 'body' }, m.body),
                  ),
                ),
              ),
            ),
    );
    $('team').replaceChildren(teamPanel, alertPanel, approvalPanel, followUpPanel, outboxPanel);
  }

  // ---- What-if staffing: replay a past period under another plan, beside what happened. ----
  // Its own section, outside the reports' 30-second refresh, so a plan being edited is never lost.
  const whatIf = { rows: [], policyVersions: [], chart: null };

  function startWhatIf(token) {
    deskToken = token;
    const section = $('whatif');
    section.hidden = false;
    const day = (d) => new Date(d).toISOString().slice(0, 10);
    const to = new Date(viewNow());
    const from = new Date(to.getTime() - 7 * 86_400_000);
    const status = el('p', { id: 'whatif-status', role: 'status' }, '');
    const form = el(
      'form',
      {
        id: 'whatif-form',
        onsubmit: (e) => {
          e.preventDefault();
          void runWhatIf();
        },
      },
      el(
        'label',
        {},
        'From ',
        el('input', { type: 'date', id: 'whatif-from', value: day(from), required: '' }),
      ),
      el('label', {}, ' to ', el('input', { type: 'date', id: 'whatif-to', value: day(to), required: '' })),
      el(
        'button',
        { type: 'button', 'data-action': 'load-staffing', onclick: () => void loadStaffing() },
        'Load recorded staffing',
      ),
      el(
        'label',
        {},
        ' Staffing ',
        el(
          'select',
          { id: 'whatif-staffing' },
          el('option', { value: 'recorded' }, 'as recorded'),
          el('option', { value: 'plan' }, 'the plan below'),
        ),
      ),
      el(
        'label',
        {},
        ' × ',
        el('input', { type: 'number', id: 'whatif-scale', value: '1', min: '0', step: '0.1' }),
      ),
      el(
        'label',
        {},
        ' Triage policy ',
        el('select', { id: 'whatif-policy' }, el('option', { value: '' }, 'as recorded')),
      ),
      el('button', { type: 'submit', 'data-action': 'run-whatif' }, 'Run what-if'),
    );
    section.replaceChildren(
      el('h2', {}, 'What-if staffing'),
      el(
        'p',
        { class: 'hint' },
        'Replays the calls of a past period through the same triage, SLA and routing rules, with the staffing below ' +
          '(coordinators signed in per pod and local hour), and shows what would have happened beside what did.',
      ),
      form,
      el('div', { id: 'whatif-plan' }),
      status,
      el('div', { id: 'whatif-result' }),
    );
  }

  function whatIfPeriod() {
    const from = $('whatif-from').value;
    const to = $('whatif-to').value;
    // Whole local days: from the start of `from` to the end of `to`.
    return {
      from: new Date(`${from}T00:00:00`).toISOString(),
      to: new Date(new Date(`${to}T00:00:00`).getTime() + 86_400_000).toISOString(),
    };
  }

  async function loadStaffing() {
    const period = whatIfPeriod();
    $('whatif-status').textContent = 'Loading the recorded staffing…';
    const r = await call('GET', `/api/v1/reports/simulations/staffing?from=${period.from}&to=${period.to}`);
    if (r.status !== 200) {
      $('whatif-status').textContent = `Could not load the staffing: ${r.body?.error?.message ?? r.status}`;
      return;
    }
    whatIf.rows = r.body.plan.rows;
    const policy = $('whatif-policy');
    policy.replaceChildren(
      el('option', { value: '' }, 'as recorded'),
      ...r.body.policyVersions.map((v) => el('option', { value: String(v) }, `version ${v}`)),
    );
    $('whatif-staffing').value = 'plan';
    renderPlan();
    $('whatif-status').textContent = 'Recorded staffing loaded: edit the counts, then run.';
  }

  function renderPlan() {
    const names = { '1,2,3,4,5': 'Mon–Fri', '6,7': 'Sat–Sun' };
    const table = el(
      'table',
      { class: 'plan', 'aria-label': 'Coordinators per pod and local hour' },
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          el('th', {}, 'pod'),
          el('th', {}, 'days'),
          ...Array.from({ length: 24 }, (_, h) => el('th', { scope: 'col' }, String(h))),
        ),
      ),
      el(
        'tbody',
        {},
        ...whatIf.rows.map((row, i) =>
          el(
            'tr',
            { 'data-pod': row.podId },
            el('th', { scope: 'row' }, row.podId),
            el('td', {}, names[row.weekdays.join(',')] ?? row.weekdays.join(',')),
            ...row.hours.map((n, h) =>
              el(
                'td',
                {},
                el('input', {
                  type: 'number',
                  min: '0',
                  step: '0.5',
                  value: String(n),
                  'aria-label': `${row.podId} ${h}:00`,
                  'data-row': String(i),
                  'data-hour': String(h),
                  onchange: (e) => {
                    whatIf.rows[i].hours[h] = Math.max(0, Number(e.target.value) || 0);
                  },
                }),
              ),
            ),
          ),
        ),
      ),
    );
    $('whatif-plan').replaceChildren(table);
  }

  async function runWhatIf() {
    const period = whatIfPeriod();
    const scale = Math.max(0, Number($('whatif-scale').value) || 0);
    const usePlan = $('whatif-staffing').value === 'plan';
    if (usePlan && whatIf.rows.length === 0) await loadStaffing();
    const body = {
      ...period,
      staffing: usePlan
        ? { kind: 'plan', rows: whatIf.rows.map((r) => ({ ...r, hours: r.hours.map((h) => h * scale) })) }
        : { kind: 'recorded' },
      ...($('whatif-policy').value ? { policyVersion: Number($('whatif-policy').value) } : {}),
    };
    $('whatif-status').textContent = 'Replaying…';
    const started = Date.now();
    const r = await call('POST', '/api/v1/reports/simulations', body);
    if (r.status !== 200) {
      $('whatif-status').textContent = `The what-if was refused: ${r.body?.error?.message ?? r.status}`;
      return;
    }
    $('whatif-status').textContent =
      `Replayed ${r.body.actual.tasks} tasks in ${((Date.now() - started) / 1000).toFixed(1)} s.`;
    renderWhatIf(r.body);
  }

  function renderWhatIf(a) {
    const points = (p, q) =>
      p === null || q === null ? '—' : `${(p - q) * 100 >= 0 ? '+' : ''}${((p - q) * 100).toFixed(1)} pp`;
    const minutes = (v) => (v === null ? '—' : v.toFixed(1));
    const row = (label, p, q, d) =>
      el(
        'tr',
        { 'data-measure': label },
        el('th', { scope: 'row' }, label),
        el('td', {}, p),
        el('td', {}, q),
        el('td', {}, d),
      );
    const rows = [
      row(
        'SLA met',
        pct(a.projected.slaAttainment.overall),
        pct(a.actual.slaAttainment.overall),
        points(a.projected.slaAttainment.overall, a.actual.slaAttainment.overall),
      ),
      ...['tier1', 'tier2', 'tier3'].map((t) =>
        row(
          `SLA met, Tier ${t.slice(4)}`,
          pct(a.projected.slaAttainment[t]),
          pct(a.actual.slaAttainment[t]),
          points(a.projected.slaAttainment[t], a.actual.slaAttainment[t]),
        ),
      ),
      row(
        'same-day completion',
        pct(a.projected.sameDayCompletionRate),
        pct(a.actual.sameDayCompletionRate),
        points(a.projected.sameDayCompletionRate, a.actual.sameDayCompletionRate),
      ),
      row(
        'minutes to first attempt (median)',
        minutes(a.projected.medianMinutesToFirstAttempt),
        minutes(a.actual.medianMinutesToFirstAttempt),
        '',
      ),
      ...a.byPod.map((p) =>
        row(`SLA met, ${p.podId}`, pct(p.projected), pct(p.actual), points(p.projected, p.actual)),
      ),
      ...Object.entries(a.staffing.coordinatorHours).map(([pod, h]) =>
        row(`coordinator-hours, ${pod}`, h.replayed.toFixed(1), h.recorded.toFixed(1), ''),
      ),
    ];
    $('whatif-result').replaceChildren(
      el(
        'table',
        { class: 'whatif', 'aria-label': 'What-if beside what happened' },
        el(
          'thead',
          {},
          el(
            'tr',
            {},
            el('th', {}, ''),
            el('th', {}, 'what-if'),
            el('th', {}, 'actual'),
            el('th', {}, 'difference'),
          ),
        ),
        el('tbody', {}, ...rows),
      ),
      el(
        'div',
        { class: 'charts' },
        el('div', {}, el('canvas', { id: 'chart-whatif', 'aria-label': 'SLA met, what-if beside actual' })),
      ),
    );
    const tiers = ['overall', 'tier1', 'tier2', 'tier3'];
    const share = (f, t) => (f.slaAttainment[t] === null ? null : Math.round(f.slaAttainment[t] * 100));
    drawChart('chart-whatif', {
      type: 'bar',
      data: {
        labels: ['all', 'Tier 1', 'Tier 2', 'Tier 3'],
        datasets: [
          { label: 'what-if', data: tiers.map((t) => share(a.projected, t)), backgroundColor: '#9be3b0' },
          { label: 'actual', data: tiers.map((t) => share(a.actual, t)), backgroundColor: '#3b6fb6' },
        ],
      },
      options: { scales: { y: { min: 0, max: 100, title: { display: true, text: 'SLA met %' } } } },
    });
  }

  // ---- Reports: the KPIs of the last seven days, daily trends, SLA by tier, the demand heatmap. ----
  let reportsTimer = null;
  const charts = {};
  const pct = (v) => (v === null || v === undefined ? '—' : `${Math.round(v * 100)}%`);

  function startReports(token) {
    deskToken = token;
    $('reports').hidden = false;
    if (reportsTimer) clearInterval(reportsTimer);
    reportsTimer = setInterval(() => void refreshReports(), 30_000);
    void refreshReports();
  }

  function drawChart(id, config) {
    if (typeof Chart === 'undefined') return; // the chart library did not load: the tiles still tell it
    if (charts[id]) charts[id].destroy();
    charts[id] = new Chart($(id), config);
  }

  async function refreshReports() {
    const to = new Date(viewNow());
    const from = new Date(to.getTime() - 7 * 86_400_000);
    const range = `from=${from.toISOString()}&to=${to.toISOString()}`;
    const [k, inbound, sameDay, heat] = await Promise.all([
      call('GET', `/api/v1/reports/kpis?${range}`),
      call('GET', `/api/v1/reports/timeseries?${range}&metric=inbound&bucket=day`),
      call('GET', `/api/v1/reports/timeseries?${range}&metric=sameDayCompletionRate&bucket=day`),
      call('GET', `/api/v1/reports/heatmap?${range}`),
    ]);
    if (k.status !== 200) return;
    const kpi = k.body;
    const tile = (label, value, note) =>
      el(
        'div',
        { class: 'tile', 'data-kpi': label },
        el('div', { class: 'n' }, value),
        el('div', { class: 'l' }, label),
        note ? el('span', { class: 'note' }, note) : '',
      );
    const tiles = el(
      'div',
      { class: 'tiles' },
      tile('calls in', String(kpi.totalInbound)),
      tile('missed-call rate', pct(kpi.missedCallRate)),
      tile(
        'same-day completion',
        pct(kpi.sameDayCompletionRate),
        kpi.sameDayCompletionRate !== null && kpi.sameDayCompletionRate < 0.9
          ? 'below the 90% target'
          : 'target 90%',
      ),
      tile(
        'minutes to first attempt (median)',
        kpi.medianMinutesToFirstAttempt === null ? '—' : String(Math.round(kpi.medianMinutesToFirstAttempt)),
      ),
      tile('SLA met, Tier 1', pct(kpi.slaAttainment.tier1)),
      tile('SLA met, Tier 2', pct(kpi.slaAttainment.tier2)),
      tile('SLA met, Tier 3', pct(kpi.slaAttainment.tier3)),
      tile('callbacks booked', pct(kpi.callbackToBookingConversion)),
      tile('no-shows, callback bookings', pct(kpi.noShowRate.callbackBooked)),
      tile('no-shows, other bookings', pct(kpi.noShowRate.otherBooked)),
    );
    const grid = heat.status === 200 ? heat.body.grid : [];
    const max = Math.max(1, ...grid.flat());
    const days = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
    const heatmap = el(
      'table',
      { class: 'heatmap', 'aria-label': 'Calls by local weekday and hour' },
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          el('th', {}, ''),
          ...Array.from({ length: 24 }, (_, h) => el('th', { scope: 'col' }, String(h))),
        ),
      ),
      el(
        'tbody',
        {},
        ...grid.map((row, d) =>
          el(
            'tr',
            {},
            el('th', { scope: 'row' }, days[d]),
            ...row.map((n) =>
              el(
                'td',
                {
                  style: `background: rgba(88, 166, 255, ${(n / max).toFixed(2)})`,
                  title: `${days[d]} ${n} calls`,
                },
                n ? String(n) : '',
              ),
            ),
          ),
        ),
      ),
    );
    const download = el(
      'button',
      {
        type: 'button',
        'data-action': 'download-csv',
        onclick: async () => {
          const res = await fetch(`/api/v1/reports/kpis?${range}&format=csv`, {
            headers: { authorization: `Bearer ${deskToken}` },
          });
          const url = URL.createObjectURL(await res.blob());
          const a = el('a', { href: url, download: 'ringback-kpis.csv' });
          document.body.append(a);
          a.click();
          a.remove();
          URL.revokeObjectURL(url);
        },
      },
      'Download CSV',
    );
    $('reports').replaceChildren(
      el('h2', {}, 'Last 7 days '),
      download,
      tiles,
      el(
        'div',
        { class: 'charts' },
        el(
          'div',
          {},
          el('canvas', { id: 'chart-daily', 'aria-label': 'Calls per day and same-day completion' }),
        ),
        el('div', {}, el('canvas', { id: 'chart-tiers', 'aria-label': 'SLA met by tier' })),
      ),
      el('h3', {}, 'When patients call (local time)'),
      heatmap,
    );
    const labels = (inbound.status === 200 ? inbound.body.points : []).map((p) => p.bucket);
    const sameDayBy = new Map(
      (sameDay.status === 200 ? sameDay.body.points : []).map((p) => [p.bucket, p.value]),
    );
    drawChart('chart-daily', {
      data: {
        labels,
        datasets: [
          {
            type: 'bar',
            label: 'calls',
            data: inbound.body.points.map((p) => p.value),
            backgroundColor: '#3b6fb6',
            yAxisID: 'calls',
          },
          {
            type: 'line',
            label: 'same-day completion %',
            data: labels.map((b) => (sameDayBy.get(b) == null ? null : Math.round(sameDayBy.get(b) * 100))),
            borderColor: '#9be3b0',
            pointRadius: 4,
            yAxisID: 'pct',
          },
        ],
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        scales: {
          calls: { position: 'left', beginAtZero: true },
          pct: { position: 'right', min: 0, max: 100 },
        },
      },
    });
    drawChart('chart-tiers', {
      type: 'bar',
      data: {
        labels: ['Tier 1', 'Tier 2', 'Tier 3'],
        datasets: [
          {
            label: 'SLA met %',
            data: [kpi.slaAttainment.tier1, kpi.slaAttainment.tier2, kpi.slaAttainment.tier3].map((v) =>
              v === null ? null : Math.round(v * 100),
            ),
            backgroundColor: ['#d9534f', '#f0ad4e', '#5bc0de'],
          },
        ],
      },
      options: { animation: false, maintainAspectRatio: false, scales: { y: { min: 0, max: 100 } } },
    });
  }

  // Countdowns move every second between updates.
  setInterval(() => {
    if (AS_OF !== null) return; // history stands still
    const now = Date.now();
    for (const b of boards.values())
      for (const cell of b.node.querySelectorAll('td[data-due]')) {
        const id = cell.parentElement.getAttribute('data-task');
        const t = b.tasks.get(id);
        if (t) cell.textContent = `${countdown(t, now)} ${SLA_TEXT[t.sla.status]}`;
      }
  }, 1000);

  $('token-form').addEventListener('submit', (e) => {
    e.preventDefault();
    signIn($('token').value.trim());
  });
  const saved = localStorage.getItem(TOKEN_KEY);
  if (saved && !new URLSearchParams(location.search).get('as')) signIn(saved);
  else showSignIn();
})();
