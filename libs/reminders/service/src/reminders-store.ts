import { Inject, Injectable } from '@nestjs/common';
import {
  LOCATION_CONFIGURED,
  contactPreferenceStreamId,
  locationStreamId,
  reminderStreamId,
  ringbackEventRegistry,
  slotStreamId,
  waitlistEntryStreamId,
  waitlistOfferStreamId,
  type LocationConfigured,
  type SlotBookedV1,
  type WaitlistEntryAddedV1,
  type WaitlistOfferMadeV1,
} from '@ringback/contracts';
import { EVENT_STORE, type EventStore } from '@ringback/platform-core';
import { StreamCommands } from '@ringback/nest-platform';
import { contactPreferenceDecider, reminderSequenceDecider } from '@ringback/reminders-domain';

export interface LocationFacts {
  locationId: string;
  name: string;
  timezone: string;
}

/**
 * What reminders reads from the event store: streams of other services (locations, slots, waitlist
 * entries and offers) through their contract events, and its own streams folded. Consumers decide on
 * these rather than on read models, which may lag behind the event they handle.
 */
@Injectable()
export class RemindersStore {
  private readonly registry = ringbackEventRegistry();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(StreamCommands) private readonly commands: StreamCommands,
  ) {}

  async location(locationId: string): Promise<LocationFacts | null> {
    const latest = (await this.store.readStream(locationStreamId(locationId)))
      .filter((r) => r.envelope.type === LOCATION_CONFIGURED)
      .at(-1);
    if (!latest) return null;
    const d = this.registry.upcast<LocationConfigured>(latest.envelope).data;
    return { locationId, name: d.name, timezone: d.timezone };
  }

  /** The booking `bookingId` of slot `slotId`, as booked. */
  async booking(slotId: string, bookingId: string): Promise<SlotBookedV1 | null> {
    for (const r of await this.store.readStream(slotStreamId(slotId))) {
      if (r.envelope.type !== 'SlotBooked') continue;
      const data = this.registry.upcast(r.envelope).data as SlotBookedV1;
      if (data.bookingId === bookingId) return data;
    }
    return null;
  }

  async waitlistEntry(entryId: string): Promise<WaitlistEntryAddedV1 | null> {
    const added = (await this.store.readStream(waitlistEntryStreamId(entryId))).find(
      (r) => r.envelope.type === 'WaitlistEntryAdded',
    );
    return added ? (this.registry.upcast(added.envelope).data as WaitlistEntryAddedV1) : null;
  }

  /** The offer and whether it is still open, from its stream. */
  async waitlistOffer(
    offerId: string,
  ): Promise<{ offer: WaitlistOfferMadeV1; open: boolean; declined: string[] } | null> {
    let offer: WaitlistOfferMadeV1 | null = null;
    let open = false;
    const declined: string[] = [];
    for (const r of await this.store.readStream(waitlistOfferStreamId(offerId))) {
      const e = this.registry.upcast(r.envelope);
      if (e.type === 'WaitlistOfferMade') {
        offer = e.data as WaitlistOfferMadeV1;
        open = true;
      } else if (e.type === 'WaitlistOfferDeclined') declined.push((e.data as { entryId: string }).entryId);
      else if (e.type === 'WaitlistOfferConfirmed' || e.type === 'WaitlistOfferExpired') open = false;
    }
    return offer ? { offer, open, declined } : null;
  }

  sequence(appointmentId: string) {
    return this.commands.load(reminderSequenceDecider, reminderStreamId(appointmentId));
  }

  async optedOut(phoneKey: string): Promise<boolean> {
    return (await this.commands.load(contactPreferenceDecider, contactPreferenceStreamId(phoneKey))).optedOut;
  }
}
