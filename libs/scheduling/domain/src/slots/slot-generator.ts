import { toEpochMillis } from '@ringback/calendar';

/**
 * Weekly provider templates and the slots they produce. Pure: local times are turned into instants
 * in the location's time zone, and slots are cut in real (absolute) time between an interval's local
 * start and end, so a template interval that spans a DST change yields slots of the right length
 * (never a 30-minute slot that lasts 90 minutes, never two slots at the same instant).
 */

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface AppointmentType {
  appointmentTypeId: string;
  name: string;
  durationMinutes: number;
  newPatientAllowed: boolean;
  serviceLine: string;
}

export interface TemplateInterval {
  /** Local `HH:MM`, start inclusive, end exclusive (`24:00` allowed as an end). */
  start: string;
  end: string;
  /** Length of each slot in minutes. */
  slotMinutes: number;
  appointmentTypeIds: string[];
  /** Protected slots (same-day urgent, procedure holds) need explicit authority to book. */
  protected?: boolean;
}

export interface ProviderTemplate {
  templateId: string;
  providerId: string;
  locationId: string;
  /** IANA zone of the location. */
  timezone: string;
  weekly: Partial<Record<Weekday, TemplateInterval[]>>;
}

export interface SlotSpec {
  /** Stable: `<providerId>.<startUtcIso>`, so regenerating a template never duplicates a slot. */
  slotId: string;
  providerId: string;
  locationId: string;
  templateId: string;
  start: string;
  end: string;
  appointmentTypeIds: string[];
  protected: boolean;
}

const HHMM = /^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/;

const formatters = new Map<string, Intl.DateTimeFormat>();
/** Local date and minute of the day of `ms` in `zone`. */
function localClock(ms: number, zone: string): { date: string; minutes: number } {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone: zone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(zone, f);
  }
  const p = Object.fromEntries(f.formatToParts(ms).map((x) => [x.type, x.value]));
  return {
    date: `${p['year']}-${p['month']}-${p['day']}`,
    minutes: Number(p['hour']) * 60 + Number(p['minute']),
  };
}

/** Local calendar date (`YYYY-MM-DD`) + `HH:MM` in `zone` → epoch ms (`24:00` is the next midnight). */
function localInstant(date: string, hhmm: string, zone: string): number {
  if (hhmm === '24:00') {
    const next = new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    return toEpochMillis(`${next}T00:00:00`, zone);
  }
  const ms = toEpochMillis(`${date}T${hhmm}:00`, zone);
  // On the night clocks fall back a local time happens twice: take its first occurrence, so an
  // interval ending at 01:00 ends at the first 01:00 (an interval spanning the night still holds the
  // repeated hour, its start and end being unambiguous).
  const wall = localClock(ms, zone);
  for (const shift of [3_600_000, 1_800_000]) {
    const earlier = localClock(ms - shift, zone);
    if (earlier.date === wall.date && earlier.minutes === wall.minutes) return ms - shift;
  }
  return ms;
}

/** The zone's offset from UTC at `ms`, in minutes, from its local clock there. */
const offsetMinutes = (ms: number, local: { date: string; minutes: number }): number =>
  Date.parse(`${local.date}T00:00:00Z`) / 60_000 + local.minutes - Math.floor(ms / 60_000);

const minutesOf = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));

const weekdayOf = (date: string): Weekday => WEEKDAYS[(new Date(`${date}T12:00:00Z`).getUTCDay() + 6) % 7]!;

/**
 * Every slot of `template` on the local dates `from`..`to` (inclusive, `YYYY-MM-DD`), in time order,
 * skipping `closedDates` (the location's holidays).
 */
export function generateSlots(
  template: ProviderTemplate,
  from: string,
  to: string,
  closedDates: readonly string[] = [],
): SlotSpec[] {
  const slots: SlotSpec[] = [];
  const closed = new Set(closedDates);
  for (
    let day = from;
    day <= to;
    day = new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10)
  ) {
    if (closed.has(day)) continue;
    for (const interval of template.weekly[weekdayOf(day)] ?? []) {
      if (!HHMM.test(interval.start) || !HHMM.test(interval.end))
        throw new RangeError(`template ${template.templateId}: times are HH:MM`);
      if (!Number.isInteger(interval.slotMinutes) || interval.slotMinutes < 5)
        throw new RangeError(`template ${template.templateId}: slotMinutes is a whole number >= 5`);
      const startMs = localInstant(day, interval.start, template.timezone);
      const endMs = localInstant(day, interval.end, template.timezone);
      const length = interval.slotMinutes * 60_000;
      const [fromMinutes, toMinutes] = [minutesOf(interval.start), minutesOf(interval.end)];
      // Across a DST change (or from a start the clocks skip) the wall clock does not run with real
      // time, and a slot's local start can fall outside the interval's hours: on the fall-back night
      // 01:30-02:00 lasts 90 real minutes and would make slots at 01:00 and 01:15, which the clinic did
      // not open (both occurrences of a time inside the hours are kept). Only then is each slot's
      // local clock read: the same offset at both ends and a start as written mean none is outside.
      const opens = localClock(startMs, template.timezone);
      const shifted =
        opens.date !== day ||
        opens.minutes !== fromMinutes ||
        offsetMinutes(startMs, opens) !== offsetMinutes(endMs, localClock(endMs, template.timezone));
      for (let t = startMs; t + length <= endMs; t += length) {
        if (shifted) {
          const local = localClock(t, template.timezone);
          if (local.date !== day || local.minutes < fromMinutes || local.minutes >= toMinutes) continue;
        }
        const start = new Date(t).toISOString();
        slots.push({
          slotId: `${template.providerId}.${start}`,
          providerId: template.providerId,
          locationId: template.locationId,
          templateId: template.templateId,
          start,
          end: new Date(t + length).toISOString(),
          appointmentTypeIds: [...interval.appointmentTypeIds],
          protected: interval.protected ?? false,
        });
      }
    }
  }
  return slots.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
}
