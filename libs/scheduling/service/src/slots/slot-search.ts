import { Inject, Injectable } from '@nestjs/common';
import { canRead, type AuthUser } from '@ringback/auth';
import { CLOCK, type Clock } from '@ringback/kernel';
import { SchedulingCatalog } from '../catalog/scheduling-catalog';
import { slotView, type SlotView } from '../scheduling.views';

export interface SlotSearch {
  providerId?: string | undefined;
  locationId?: string | undefined;
  appointmentTypeId?: string | undefined;
  fromMs: number;
  toMs: number;
  /** `free`: bookable now (free and not started); `all`: booked and held ones too. */
  status: 'free' | 'all';
}

/** Slot search in the caller's scope, shared by the Ringback and the FHIR endpoints. */
@Injectable()
export class SlotSearchService {
  constructor(
    @Inject(SchedulingCatalog) private readonly catalog: SchedulingCatalog,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Null when `providerId` names no provider the caller may see. */
  async search(user: AuthUser, q: SlotSearch): Promise<SlotView[] | null> {
    const providers = q.providerId
      ? [await this.catalog.provider(q.providerId)].filter((p) => p !== null)
      : await this.catalog.providers(q.locationId ? { locationId: q.locationId } : {});
    const locations = await this.catalog.locations([...new Set(providers.map((p) => p.locationId))]);
    const visible = providers.filter((p) => {
      const l = locations.get(p.locationId);
      return l !== undefined && canRead(user, l) && (!q.locationId || p.locationId === q.locationId);
    });
    if (q.providerId && visible.length === 0) return null;
    const now = this.clock.now();
    const items: SlotView[] = [];
    for (const provider of visible)
      for (const a of await this.catalog.availability(provider, q.fromMs, q.toMs)) {
        const view = slotView(a, now);
        if (q.appointmentTypeId && !view.appointmentTypeIds.includes(q.appointmentTypeId)) continue;
        if (q.status === 'free' && (view.status !== 'free' || Date.parse(view.start) <= now)) continue;
        items.push(view);
      }
    return items.sort((a, b) =>
      a.start < b.start ? -1 : a.start > b.start ? 1 : a.slotId < b.slotId ? -1 : 1,
    );
  }

  /** One slot by id, if the caller may see it. */
  async get(user: AuthUser, slotId: string): Promise<SlotView | null> {
    const [spec, doc] = await Promise.all([this.catalog.templateSpec(slotId), this.catalog.slotDoc(slotId)]);
    const slot = doc?.state.slot ?? spec;
    if (!slot) return null;
    const location = await this.catalog.location(slot.locationId);
    if (!location || !canRead(user, location)) return null;
    return slotView(
      { spec: slot, status: doc?.status ?? 'free', inTemplate: spec !== null, doc },
      this.clock.now(),
    );
  }
}
