import {
  WAITLIST_ENTRY_CATEGORY,
  WAITLIST_OFFER_CATEGORY,
  type WaitlistEntryAddedV1,
  type WaitlistEntryRemovedV1,
  type WaitlistOfferConfirmedV1,
  type WaitlistOfferDeclinedV1,
  type WaitlistOfferExpiredV1,
  type WaitlistOfferMadeV1,
} from '@ringback/contracts';
import type { Projection, ReadModelOp } from '@ringback/platform-core';

export const WAITLIST_COLLECTION = 'scheduling_waitlist';
export const WAITLIST_OFFERS_COLLECTION = 'scheduling_waitlist_offers';

export type WaitlistEntryDoc = {
  id: string;
  entryId: string;
  locationId: string;
  state: 'waiting' | 'removed';
  entry: WaitlistEntryAddedV1;
  removal: WaitlistEntryRemovedV1 | null;
  /** The open offer the patient was asked about, if any (a patient holds one offer at a time). */
  openOfferId: string | null;
};

export type WaitlistOfferDoc = {
  id: string;
  offerId: string;
  locationId: string;
  slotId: string;
  state: 'open' | 'confirmed' | 'ended';
  expiresAtMs: number;
  offer: WaitlistOfferMadeV1;
  declined: string[];
  confirmedEntryId: string | null;
  endReason: WaitlistOfferExpiredV1['reason'] | null;
};

/** The waitlist and its offers (entries know which open offer they are part of). */
export const waitlistProjection: Projection = {
  id: 'scheduling-waitlist',
  version: 1,
  collections: [WAITLIST_COLLECTION, WAITLIST_OFFERS_COLLECTION],
  categories: [WAITLIST_ENTRY_CATEGORY, WAITLIST_OFFER_CATEGORY],
  eventTypes: [
    'WaitlistEntryAdded',
    'WaitlistEntryRemoved',
    'WaitlistOfferMade',
    'WaitlistOfferConfirmed',
    'WaitlistOfferDeclined',
    'WaitlistOfferExpired',
  ],
  async handle(event, position, ctx) {
    const entryOp = (doc: WaitlistEntryDoc): ReadModelOp => ({
      kind: 'upsert',
      collection: WAITLIST_COLLECTION,
      doc,
      position,
    });
    const offerOp = (doc: WaitlistOfferDoc): ReadModelOp => ({
      kind: 'upsert',
      collection: WAITLIST_OFFERS_COLLECTION,
      doc,
      position,
    });
    /** Clears `openOfferId` on the entries of an offer that is no longer open. */
    const release = async (
      offer: WaitlistOfferMadeV1,
      keep: (e: WaitlistEntryDoc) => WaitlistEntryDoc = (e) => e,
    ) => {
      const ops: ReadModelOp[] = [];
      for (const entryId of offer.entryIds) {
        const e = await ctx.get<WaitlistEntryDoc>(WAITLIST_COLLECTION, entryId);
        if (e && e.openOfferId === offer.offerId) ops.push(entryOp(keep({ ...e, openOfferId: null })));
      }
      return ops;
    };
    switch (event.type) {
      case 'WaitlistEntryAdded': {
        const entry = event.data as WaitlistEntryAddedV1;
        return [
          entryOp({
            id: entry.entryId,
            entryId: entry.entryId,
            locationId: entry.locationId,
            state: 'waiting',
            entry,
            removal: null,
            openOfferId: null,
          }),
        ];
      }
      case 'WaitlistEntryRemoved': {
        const removal = event.data as WaitlistEntryRemovedV1;
        const e = await ctx.get<WaitlistEntryDoc>(WAITLIST_COLLECTION, removal.entryId);
        return e ? [entryOp({ ...e, state: 'removed', removal })] : [];
      }
      case 'WaitlistOfferMade': {
        const offer = event.data as WaitlistOfferMadeV1;
        const ops: ReadModelOp[] = [
          offerOp({
            id: offer.offerId,
            offerId: offer.offerId,
            locationId: offer.locationId,
            slotId: offer.slotId,
            state: 'open',
            expiresAtMs: Date.parse(offer.expiresAt),
            offer,
            declined: [],
            confirmedEntryId: null,
            endReason: null,
          }),
        ];
        for (const entryId of offer.entryIds) {
          const e = await ctx.get<WaitlistEntryDoc>(WAITLIST_COLLECTION, entryId);
          if (e) ops.push(entryOp({ ...e, openOfferId: offer.offerId }));
        }
        return ops;
      }
      case 'WaitlistOfferDeclined': {
        const d = event.data as WaitlistOfferDeclinedV1;
        const o = await ctx.get<WaitlistOfferDoc>(WAITLIST_OFFERS_COLLECTION, d.offerId);
        if (!o) return [];
        const e = await ctx.get<WaitlistEntryDoc>(WAITLIST_COLLECTION, d.entryId);
        return [
          offerOp({ ...o, declined: [...o.declined, d.entryId] }),
          ...(e && e.openOfferId === d.offerId ? [entryOp({ ...e, openOfferId: null })] : []),
        ];
      }
      case 'WaitlistOfferConfirmed': {
        const c = event.data as WaitlistOfferConfirmedV1;
        const o = await ctx.get<WaitlistOfferDoc>(WAITLIST_OFFERS_COLLECTION, c.offerId);
        if (!o) return [];
        return [
          offerOp({ ...o, state: 'confirmed', confirmedEntryId: c.entryId }),
          ...(await release(o.offer)),
        ];
      }
      case 'WaitlistOfferExpired': {
        const x = event.data as WaitlistOfferExpiredV1;
        const o = await ctx.get<WaitlistOfferDoc>(WAITLIST_OFFERS_COLLECTION, x.offerId);
        if (!o || o.state !== 'open') return [];
        return [offerOp({ ...o, state: 'ended', endReason: x.reason }), ...(await release(o.offer))];
      }
      default:
        return [];
    }
  },
};
