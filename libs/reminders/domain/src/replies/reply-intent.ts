import type {
  ContactOptedInV1,
  ContactOptedOutV1,
  InboundMessageReceivedV1,
  PatientRepliedV1,
} from '@ringback/contracts';
import type { Decider } from '@ringback/kernel';

/**
 * What a patient's SMS means. Replies are short: digits first (1 confirm / yes, 2 cancel / no,
 * 3 reschedule), then words in English and Spanish. The carrier opt-out keywords (STOP, STOPALL,
 * UNSUBSCRIBE, END, QUIT, CANCEL, and their Spanish counterparts) always mean opt-out, never an
 * appointment cancellation; START/UNSTOP (and YES while opted out) opt in again.
 */

export type ReplyContext = 'appointment' | 'waitlist_offer' | null;
export type ReplyIntent =
  | 'confirm'
  | 'cancel'
  | 'reschedule'
  | 'accept_offer'
  | 'decline_offer'
  | 'stop'
  | 'start'
  | 'help'
  | 'unknown';

const OPT_OUT = new Set([
  'STOP',
  'STOPALL',
  'UNSUBSCRIBE',
  'END',
  'QUIT',
  'CANCEL',
  'REVOKE',
  'OPTOUT',
  'ALTO',
  'PARAR',
  'BAJA',
]);
const OPT_IN = new Set(['START', 'UNSTOP', 'ALTA']);
const HELP = new Set(['HELP', 'INFO', 'AYUDA']);
const YES = new Set(['1', 'YES', 'Y', 'CONFIRM', 'C', 'OK', 'SI', 'SÍ', 'CONFIRMAR', 'CONFIRMO']);
const NO_CANCEL = new Set(['2', 'X', 'CANCELAR', 'CANCELO']);
const NO = new Set(['NO', 'N']);
const RESCHEDULE = new Set(['3', 'R', 'RESCHEDULE', 'CHANGE', 'CAMBIAR', 'REPROGRAMAR']);

/** The first word, upper-cased, accents kept for SÍ, punctuation dropped. */
function keyword(body: string): string {
  const first = body.trim().split(/\s+/)[0] ?? '';
  return first
    .normalize('NFC')
    .toUpperCase()
    .replace(/[.!?,;:¡¿"'()]+/g, '');
}

export function classifyReply(body: string, context: ReplyContext, optedOut: boolean): ReplyIntent {
  const word = keyword(body);
  if (OPT_OUT.has(word)) return 'stop';
  if (OPT_IN.has(word) || (optedOut && (word === 'YES' || word === 'SI' || word === 'SÍ'))) return 'start';
  if (HELP.has(word)) return 'help';
  if (context === 'waitlist_offer') {
    if (YES.has(word)) return 'accept_offer';
    if (NO.has(word) || NO_CANCEL.has(word)) return 'decline_offer';
    return 'unknown';
  }
  if (context === 'appointment') {
    if (YES.has(word)) return 'confirm';
    if (NO_CANCEL.has(word)) return 'cancel';
    if (RESCHEDULE.has(word)) return 'reschedule';
  }
  return 'unknown';
}

// ---- opt-out per number (`contact_preference-<phoneKey>`) ---------------------------------------

export type ContactPreferenceEvent =
  { type: 'ContactOptedOut'; data: ContactOptedOutV1 } | { type: 'ContactOptedIn'; data: ContactOptedInV1 };
export type ContactPreferenceCommand =
  | { type: 'OptOut'; data: { phoneKey: string; keyword: string; at: string } }
  | { type: 'OptIn'; data: { phoneKey: string; keyword: string; at: string } };
export type ContactPreferenceState = { optedOut: boolean };

export const contactPreferenceDecider: Decider<
  ContactPreferenceState,
  ContactPreferenceCommand,
  ContactPreferenceEvent
> = {
  initialState: () => ({ optedOut: false }),
  decide(command, state) {
    const { phoneKey, keyword: word, at } = command.data;
    if (command.type === 'OptOut')
      return state.optedOut
        ? []
        : [{ type: 'ContactOptedOut', data: { phoneKey, keyword: word, optedOutAt: at } }];
    return state.optedOut
      ? [{ type: 'ContactOptedIn', data: { phoneKey, keyword: word, optedInAt: at } }]
      : [];
  },
  evolve: (_state, event) => ({ optedOut: event.type === 'ContactOptedOut' }),
};

// ---- inbound messages (`inbound_message-<inboundId>`) ------------------------------------------

export type InboundMessageEvent =
  | { type: 'InboundMessageReceived'; data: InboundMessageReceivedV1 }
  | { type: 'PatientReplied'; data: PatientRepliedV1 };
export type InboundMessageCommand =
  | { type: 'ReceiveInbound'; data: Omit<InboundMessageReceivedV1, 'receivedAt'> & { at: string } }
  | { type: 'InterpretReply'; data: Omit<PatientRepliedV1, 'repliedAt'> & { at: string } };
export type InboundMessageState =
  | { status: 'none' }
  | { status: 'received'; message: InboundMessageReceivedV1 }
  | { status: 'interpreted'; message: InboundMessageReceivedV1; reply: PatientRepliedV1 };

/** An inbound SMS is recorded once (its provider id) and interpreted once. */
export const inboundMessageDecider: Decider<InboundMessageState, InboundMessageCommand, InboundMessageEvent> =
  {
    initialState: () => ({ status: 'none' }),
    decide(command, state) {
      if (command.type === 'ReceiveInbound') {
        if (state.status !== 'none') return [];
        const { at, ...message } = command.data;
        return [{ type: 'InboundMessageReceived', data: { ...message, receivedAt: at } }];
      }
      if (state.status !== 'received') return [];
      const { at, ...reply } = command.data;
      return [{ type: 'PatientReplied', data: { ...reply, repliedAt: at } }];
    },
    evolve(state, event) {
      if (event.type === 'InboundMessageReceived') return { status: 'received', message: event.data };
      return state.status === 'received'
        ? { status: 'interpreted', message: state.message, reply: event.data }
        : state;
    },
  };
