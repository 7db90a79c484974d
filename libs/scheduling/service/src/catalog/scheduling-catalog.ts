import { Inject, Injectable } from '@nestjs/common';
import { READ_MODEL_STORE, type ReadModelStore } from '@ringback/platform-core';
import { generateSlots, type SlotSpec } from '@ringback/scheduling-domain';
import { DateTime } from 'luxon';
import {
  APPOINTMENT_TYPES_COLLECTION,
  PROVIDERS_COLLECTION,
  SCHEDULING_COORDINATORS_COLLECTION,
  SCHEDULING_LOCATIONS_COLLECTION,
  type AppointmentTypeDoc,
  type ProviderDoc,
  type SchedulingCoordinatorDoc,
  type SchedulingLocationDoc,
} from './scheduling-catalog.projection';
import { SLOTS_COLLECTION, type SlotDoc } from '../slots/slots.projection';

/** A slot as scheduling offers it: the template's cut, overlaid with what its stream recorded. */
export interface SlotAvailability {
  spec: SlotSpec;
  status: 'free' | 'held' | 'booked';
  /** Whether the slot is still in the provider's current template. */
  inTemplate: boolean;
  doc: SlotDoc | null;
}

/** `<providerId>.<startUtcIso>` -> its parts; null when the id is not of that shape. */
export function parseSlotId(slotId: string): { providerId: string; start: string } | null {
  const dot = slotId.indexOf('.');
  if (dot <= 0) return null;
  const start = slotId.slice(dot + 1);
  if (Number.isNaN(Date.parse(start)) || new Date(start).toISOString() !== start) return null;
  return { providerId: slotId.slice(0, dot), start };
}

/**
 * Reads of the scheduling catalogue (appointment types, providers, locations, coordinators' own
 * authority) and slot availability: free slots are cut from the provider's current template in the
 * location's zone (skipping its holidays), then overlaid with the slots whose streams exist.
 */
@Injectable()
export class SchedulingCatalog {
  constructor(@Inject(READ_MODEL_STORE) private readonly readModels: ReadModelStore) {}

  appointmentType(id: string): Promise<AppointmentTypeDoc | null> {
    return this.readModels.get<AppointmentTypeDoc>(APPOINTMENT_TYPES_COLLECTION, id);
  }

  appointmentTypes(): Promise<AppointmentTypeDoc[]> {
    return this.readModels.find<AppointmentTypeDoc>(
      APPOINTMENT_TYPES_COLLECTION,
      {},
      {
        sort: { field: 'appointmentTypeId', direction: 1 },
      },
    );
  }

  provider(id: string): Promise<ProviderDoc | null> {
    return this.readModels.get<ProviderDoc>(PROVIDERS_COLLECTION, id);
  }

  providers(filter: { locationId?: string } = {}): Promise<ProviderDoc[]> {
    return this.readModels.find<ProviderDoc>(
      PROVIDERS_COLLECTION,
      filter.locationId ? { locationId: filter.locationId } : {},
      {
        sort: { field: 'providerId', direction: 1 },
      },
    );
  }

  location(id: string): Promise<SchedulingLocationDoc | null> {
    return this.readModels.get<SchedulingLocationDoc>(SCHEDULING_LOCATIONS_COLLECTION, id);
  }

  async locations(ids: readonly string[]): Promise<Map<string, SchedulingLocationDoc>> {
    return this.readModels.getMany<SchedulingLocationDoc>(SCHEDULING_LOCATIONS_COLLECTION, ids);
  }

  coordinator(id: string): Promise<SchedulingCoordinatorDoc | null> {
    return this.readModels.get<SchedulingCoordinatorDoc>(SCHEDULING_COORDINATORS_COLLECTION, id);
  }

  slotDoc(slotId: string): Promise<SlotDoc | null> {
    return this.readModels.get<SlotDoc>(SLOTS_COLLECTION, slotId);
  }

  /** The slot `slotId` as the provider's current template cuts it, or null when it cuts no such slot. */
  async templateSpec(slotId: string): Promise<SlotSpec | null> {
    const parsed = parseSlotId(slotId);
    if (!parsed) return null;
    const provider = await this.provider(parsed.providerId);
    const location = provider ? await this.location(provider.locationId) : null;
    if (!provider || !location) return null;
    const day = DateTime.fromISO(parsed.start, { zone: location.timezone }).toISODate();
    if (!day) return null;
    return this.cut(provider, location, day, day).find((s) => s.slotId === slotId) ?? null;
  }

  /** Slots of one provider starting in `[fromMs, toMs)`, in time order. */
  async availability(provider: ProviderDoc, fromMs: number, toMs: number): Promise<SlotAvailability[]> {
    const location = await this.location(provider.locationId);
    if (!location) return [];
    const day = (ms: number) => DateTime.fromMillis(ms, { zone: location.timezone }).toISODate()!;
    const cut = this.cut(provider, location, day(fromMs), day(toMs)).filter((s) => {
      const t = Date.parse(s.start);
      return t >= fromMs && t < toMs;
    });
    const docs = (
      await this.readModels.find<SlotDoc>(SLOTS_COLLECTION, { providerId: provider.providerId })
    ).filter((d) => d.startMs >= fromMs && d.startMs < toMs);
    const byId = new Map(docs.map((d) => [d.slotId, d]));
    const out: SlotAvailability[] = cut.map((spec) => {
      const doc = byId.get(spec.slotId) ?? null;
      byId.delete(spec.slotId);
      return { spec: doc ? doc.state.slot : spec, status: doc ? doc.status : 'free', inTemplate: true, doc };
    });
    // Slots of an earlier template that were held or booked stay visible; free ones are no longer offered.
    for (const doc of byId.values())
      if (doc.status !== 'free')
        out.push({ spec: doc.state.slot, status: doc.status, inTemplate: false, doc });
    return out.sort((a, b) => (a.spec.start < b.spec.start ? -1 : a.spec.start > b.spec.start ? 1 : 0));
  }

  private cut(provider: ProviderDoc, location: SchedulingLocationDoc, from: string, to: string): SlotSpec[] {
    return generateSlots(
      {
        templateId: provider.templateId,
        providerId: provider.providerId,
        locationId: provider.locationId,
        timezone: location.timezone,
        weekly: provider.weekly,
      },
      from,
      to,
      location.holidays,
    );
  }
}
