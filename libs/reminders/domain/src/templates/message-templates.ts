import type { MessageKind as PlannedKind } from '../plan/reminder-plan';
import { DateTime } from 'luxon';

/**
 * Patient message templates, English and Spanish (other languages fall back to English). Replies
 * use digits so they never collide with the carriers' opt-out keywords (CANCEL is one of them).
 * Minimum necessary: no diagnosis, no provider notes; the clinic's name, the time and what to do.
 */

export type TemplateKind =
  PlannedKind | 'cancellation' | 'waitlist_offer' | 'waitlist_filled' | 'help' | 'opt_out';
export type TemplateLanguage = 'en' | 'es';

export interface TemplateVars {
  clinicName: string;
  /** The appointment (or offered slot) start, UTC ISO-8601. */
  start: string;
  /** IANA zone of the clinic: times are written in its local time. */
  timezone: string;
  /** Where the patient reschedules (reminders). */
  rescheduleUrl?: string;
  /** Until when a waitlist offer stands, UTC ISO-8601. */
  expiresAt?: string;
}

const when = (iso: string, zone: string, lang: TemplateLanguage): string =>
  DateTime.fromISO(iso, { zone })
    .setLocale(lang === 'es' ? 'es' : 'en-US')
    .toLocaleString(
      lang === 'es'
        ? { weekday: 'long', day: 'numeric', month: 'long', hour: 'numeric', minute: '2-digit' }
        : { weekday: 'long', month: 'long', day: 'numeric', hour: 'numeric', minute: '2-digit' },
    );
const clock = (iso: string, zone: string, lang: TemplateLanguage): string =>
  DateTime.fromISO(iso, { zone })
    .setLocale(lang === 'es' ? 'es' : 'en-US')
    .toLocaleString(DateTime.TIME_SIMPLE);

const TEMPLATES: Record<
  TemplateKind,
  Record<TemplateLanguage, (v: TemplateVars, lang: TemplateLanguage) => string>
> = {
  confirmation: {
    en: (v, l) =>
      `${v.clinicName}: your appointment is booked for ${when(v.start, v.timezone, l)}. Reply 1 to confirm, 2 to cancel, 3 to reschedule. Reply STOP to opt out.`,
    es: (v, l) =>
      `${v.clinicName}: su cita quedó reservada para el ${when(v.start, v.timezone, l)}. Responda 1 para confirmar, 2 para cancelar, 3 para cambiarla. Responda ALTO para no recibir más mensajes.`,
  },
  reminder_48h: {
    en: (v, l) =>
      `${v.clinicName}: reminder of your appointment on ${when(v.start, v.timezone, l)}. Reply 1 to confirm, 2 to cancel, 3 to reschedule${v.rescheduleUrl ? ` or go to ${v.rescheduleUrl}` : ''}.`,
    es: (v, l) =>
      `${v.clinicName}: le recordamos su cita del ${when(v.start, v.timezone, l)}. Responda 1 para confirmar, 2 para cancelar, 3 para cambiarla${v.rescheduleUrl ? ` o visite ${v.rescheduleUrl}` : ''}.`,
  },
  reminder_24h: {
    en: (v, l) =>
      `${v.clinicName}: your appointment is tomorrow, ${when(v.start, v.timezone, l)}. Reply 1 to confirm, 2 to cancel, 3 to reschedule${v.rescheduleUrl ? `, or reschedule at ${v.rescheduleUrl}` : ''}.`,
    es: (v, l) =>
      `${v.clinicName}: su cita es mañana, ${when(v.start, v.timezone, l)}. Responda 1 para confirmar, 2 para cancelar, 3 para cambiarla${v.rescheduleUrl ? `, o cámbiela en ${v.rescheduleUrl}` : ''}.`,
  },
  same_day: {
    en: (v, l) =>
      `${v.clinicName}: see you today at ${clock(v.start, v.timezone, l)}. Please arrive 10 minutes early with your ID and insurance card and check in at the front desk.`,
    es: (v, l) =>
      `${v.clinicName}: le esperamos hoy a las ${clock(v.start, v.timezone, l)}. Llegue 10 minutos antes con su identificación y su tarjeta de seguro y regístrese en la recepción.`,
  },
  cancellation: {
    en: (v, l) =>
      `${v.clinicName}: your appointment on ${when(v.start, v.timezone, l)} is cancelled. Call us to book again.`,
    es: (v, l) =>
      `${v.clinicName}: su cita del ${when(v.start, v.timezone, l)} quedó cancelada. Llámenos para reservar otra.`,
  },
  waitlist_offer: {
    en: (v, l) =>
      `${v.clinicName}: an appointment opened up on ${when(v.start, v.timezone, l)}. Reply YES to take it${v.expiresAt ? ` by ${clock(v.expiresAt, v.timezone, l)}` : ''}, NO to pass. First to reply gets it.`,
    es: (v, l) =>
      `${v.clinicName}: se liberó una cita el ${when(v.start, v.timezone, l)}. Responda SI para tomarla${v.expiresAt ? ` antes de las ${clock(v.expiresAt, v.timezone, l)}` : ''}, NO para dejarla. La primera respuesta se la lleva.`,
  },
  waitlist_filled: {
    en: (v) => `${v.clinicName}: the opening you were offered has been filled. You stay on the waitlist.`,
    es: (v) => `${v.clinicName}: la cita que le ofrecimos ya fue tomada. Sigue en la lista de espera.`,
  },
  help: {
    en: (v) =>
      `${v.clinicName} appointment messages. Reply 1 confirm, 2 cancel, 3 reschedule. Reply STOP to opt out. Msg&data rates may apply.`,
    es: (v) =>
      `Mensajes de citas de ${v.clinicName}. Responda 1 confirmar, 2 cancelar, 3 cambiar. Responda ALTO para darse de baja.`,
  },
  opt_out: {
    en: (v) => `${v.clinicName}: you will get no more messages. Reply START to receive them again.`,
    es: (v) => `${v.clinicName}: no recibirá más mensajes. Responda START para volver a recibirlos.`,
  },
};

export const templateLanguage = (language: string): TemplateLanguage => (language === 'es' ? 'es' : 'en');

/** The rendered text and its template id (`<kind>.<language>`). */
export function renderMessage(
  kind: TemplateKind,
  language: string,
  vars: TemplateVars,
): { templateId: string; body: string } {
  const lang = templateLanguage(language);
  return { templateId: `${kind}.${lang}`, body: TEMPLATES[kind][lang](vars, lang) };
}
