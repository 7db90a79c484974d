import { DomainError, type Decider } from '@ringback/kernel';
import type {
  AppointmentConfirmedByPatientV1,
  FollowUpCompletedV1,
  FollowUpRequestedV1,
  ReminderSequencePlannedV1,
  ReminderSequenceStoppedV1,
} from '@ringback/contracts';

/**
 * The reminder sequence of one appointment (stream `reminder-<appointmentId>`). It follows the
 * appointment's current booking: a reschedule stops the old booking's sequence and plans the new
 * one, a cancellation stops it. The patient's SMS confirmation and the follow-up tasks (no reply,
 * high-risk outreach, reschedule requests) are recorded here. Idempotent: planning a booking again,
 * stopping a stopped sequence, or requesting a follow-up that exists decides nothing.
 */

export type ReminderSequenceEvent =
  | { type: 'ReminderSequencePlanned'; data: ReminderSequencePlannedV1 }
  | { type: 'ReminderSequenceStopped'; data: ReminderSequenceStoppedV1 }
  | { type: 'AppointmentConfirmedByPatient'; data: AppointmentConfirmedByPatientV1 }
  | { type: 'FollowUpRequested'; data: FollowUpRequestedV1 }
  | { type: 'FollowUpCompleted'; data: FollowUpCompletedV1 };

export type PlanSequence = {
  type: 'PlanSequence';
  data: Omit<ReminderSequencePlannedV1, 'plannedAt'> & { at: string };
};
export type StopSequence = {
  type: 'StopSequence';
  data: { appointmentId: string; bookingId: string; reason: ReminderSequenceStoppedV1['reason']; at: string };
};
export type RecordPatientConfirmation = {
  type: 'RecordPatientConfirmation';
  data: { appointmentId: string; bookingId: string; inboundId: string; at: string };
};
export type RequestFollowUp = {
  type: 'RequestFollowUp';
  data: Omit<FollowUpRequestedV1, 'requestedAt'> & { at: string };
};
export type CompleteFollowUp = {
  type: 'CompleteFollowUp';
  data: { appointmentId: string; followUpId: string; completedBy: string; note: string | null; at: string };
};
export type ReminderSequenceCommand =
  PlanSequence | StopSequence | RecordPatientConfirmation | RequestFollowUp | CompleteFollowUp;

export interface SequenceBooking {
  plan: ReminderSequencePlannedV1;
  stopped: ReminderSequenceStoppedV1['reason'] | null;
  confirmedAt: string | null;
}

export interface ReminderSequenceState {
  current: SequenceBooking | null;
  /** Every booking ever planned (a booking is planned once). */
  plannedBookings: string[];
  followUps: Record<string, { request: FollowUpRequestedV1; completedAt: string | null }>;
}

const live = (s: ReminderSequenceState, bookingId: string): SequenceBooking | null =>
  s.current && s.current.plan.bookingId === bookingId && s.current.stopped === null ? s.current : null;

export const reminderSequenceDecider: Decider<
  ReminderSequenceState,
  ReminderSequenceCommand,
  ReminderSequenceEvent
> = {
  initialState: () => ({ current: null, plannedBookings: [], followUps: {} }),
  decide(command, state) {
    switch (command.type) {
      case 'PlanSequence': {
        const p = command.data;
        if (state.plannedBookings.includes(p.bookingId)) return [];
        const { at, ...plan } = p;
        const events: ReminderSequenceEvent[] = [];
        if (state.current && state.current.stopped === null)
          events.push({
            type: 'ReminderSequenceStopped',
            data: {
              appointmentId: p.appointmentId,
              bookingId: state.current.plan.bookingId,
              reason: 'rescheduled',
              stoppedAt: at,
            },
          });
        events.push({ type: 'ReminderSequencePlanned', data: { ...plan, plannedAt: at } });
        return events;
      }
      case 'StopSequence': {
        const s = command.data;
        if (!live(state, s.bookingId)) return [];
        return [
          {
            type: 'ReminderSequenceStopped',
            data: {
              appointmentId: s.appointmentId,
              bookingId: s.bookingId,
              reason: s.reason,
              stoppedAt: s.at,
            },
          },
        ];
      }
      case 'RecordPatientConfirmation': {
        const r = command.data;
        const booking = live(state, r.bookingId);
        if (!booking)
          throw new DomainError('sequence_not_active', 'the appointment is no longer booked as messaged');
        if (booking.confirmedAt) return [];
        return [
          {
            type: 'AppointmentConfirmedByPatient',
            data: {
              appointmentId: r.appointmentId,
              bookingId: r.bookingId,
              inboundId: r.inboundId,
              confirmedAt: r.at,
            },
          },
        ];
      }
      case 'RequestFollowUp': {
        const f = command.data;
        if (state.followUps[f.followUpId]) return [];
        const booking = live(state, f.bookingId);
        if (!booking) return []; // cancelled or moved: nobody to follow up
        if (f.reason === 'no_reply' && booking.confirmedAt) return [];
        const { at, ...request } = f;
        return [{ type: 'FollowUpRequested', data: { ...request, requestedAt: at } }];
      }
      case 'CompleteFollowUp': {
        const d = command.data;
        const f = state.followUps[d.followUpId];
        if (!f) throw new DomainError('follow_up_not_found', `Unknown follow-up ${d.followUpId}`);
        if (f.completedAt) return [];
        return [
          {
            type: 'FollowUpCompleted',
            data: {
              appointmentId: d.appointmentId,
              followUpId: d.followUpId,
              completedBy: d.completedBy,
              note: d.note,
              completedAt: d.at,
            },
          },
        ];
      }
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case 'ReminderSequencePlanned':
        return {
          ...state,
          current: { plan: event.data, stopped: null, confirmedAt: null },
          plannedBookings: [...state.plannedBookings, event.data.bookingId],
        };
      case 'ReminderSequenceStopped':
        return state.current && state.current.plan.bookingId === event.data.bookingId
          ? { ...state, current: { ...state.current, stopped: event.data.reason } }
          : state;
      case 'AppointmentConfirmedByPatient':
        return state.current && state.current.plan.bookingId === event.data.bookingId
          ? { ...state, current: { ...state.current, confirmedAt: event.data.confirmedAt } }
          : state;
      case 'FollowUpRequested':
        return {
          ...state,
          followUps: {
            ...state.followUps,
            [event.data.followUpId]: { request: event.data, completedAt: null },
          },
        };
      case 'FollowUpCompleted': {
        const f = state.followUps[event.data.followUpId];
        return f
          ? {
              ...state,
              followUps: {
                ...state.followUps,
                [event.data.followUpId]: { ...f, completedAt: event.data.completedAt },
              },
            }
          : state;
      }
    }
  },
};
