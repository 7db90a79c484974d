import { DomainError, type Decider } from '@ringback/kernel';
import type {
  WaitlistEntryAddedV1,
  WaitlistEntryRemovedV1,
  WaitlistOfferConfirmedV1,
  WaitlistOfferDeclinedV1,
  WaitlistOfferExpiredV1,
  WaitlistOfferMadeV1,
} from '@ringback/contracts';

// ---- entries (`waitlist_entry-<entryId>`) -------------------------------------------------------

export type WaitlistEntryEvent =
  | { type: 'WaitlistEntryAdded'; data: WaitlistEntryAddedV1 }
  | { type: 'WaitlistEntryRemoved'; data: WaitlistEntryRemovedV1 };
export type AddWaitlistEntry = {
  type: 'AddWaitlistEntry';
  data: Omit<WaitlistEntryAddedV1, 'addedAt'> & { at: string };
};
export type RemoveWaitlistEntry = {
  type: 'RemoveWaitlistEntry';
  data: Omit<WaitlistEntryRemovedV1, 'removedAt'> & { at: string };
};
export type WaitlistEntryCommand = AddWaitlistEntry | RemoveWaitlistEntry;
export type WaitlistEntryState =
  | { status: 'none' }
  | { status: 'waiting'; entry: WaitlistEntryAddedV1 }
  | { status: 'removed'; entry: WaitlistEntryAddedV1; removal: WaitlistEntryRemovedV1 };

export const waitlistEntryDecider: Decider<WaitlistEntryState, WaitlistEntryCommand, WaitlistEntryEvent> = {
  initialState: () => ({ status: 'none' }),
  decide(command, state) {
    switch (command.type) {
      case 'AddWaitlistEntry': {
        if (state.status !== 'none') return [];
        const { at, ...entry } = command.data;
        const { earliest, latest } = entry.constraints;
        if (earliest && latest && Date.parse(latest) <= Date.parse(earliest))
          throw new DomainError('invalid_constraints', 'latest is after earliest');
        return [{ type: 'WaitlistEntryAdded', data: { ...entry, addedAt: at } }];
      }
      case 'RemoveWaitlistEntry': {
        if (state.status === 'none')
          throw new DomainError('waitlist_entry_not_found', `Unknown entry ${command.data.entryId}`);
        if (state.status === 'removed') return [];
        const { at, ...removal } = command.data;
        return [{ type: 'WaitlistEntryRemoved', data: { ...removal, removedAt: at } }];
      }
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case 'WaitlistEntryAdded':
        return { status: 'waiting', entry: event.data };
      case 'WaitlistEntryRemoved':
        return state.status === 'waiting'
          ? { status: 'removed', entry: state.entry, removal: event.data }
          : state;
    }
  },
};

// ---- offers (`waitlist_offer-<offerId>`) --------------------------------------------------------

export type WaitlistOfferEvent =
  | { type: 'WaitlistOfferMade'; data: WaitlistOfferMadeV1 }
  | { type: 'WaitlistOfferConfirmed'; data: WaitlistOfferConfirmedV1 }
  | { type: 'WaitlistOfferDeclined'; data: WaitlistOfferDeclinedV1 }
  | { type: 'WaitlistOfferExpired'; data: WaitlistOfferExpiredV1 };

export type MakeWaitlistOffer = {
  type: 'MakeWaitlistOffer';
  data: Omit<WaitlistOfferMadeV1, 'offeredAt'> & { at: string };
};
/** Records the confirmation of the entry whose booking under the offer's hold the slot accepted. */
export type ConfirmWaitlistOffer = {
  type: 'ConfirmWaitlistOffer';
  data: Omit<WaitlistOfferConfirmedV1, 'confirmedAt'> & { at: string };
};
export type DeclineWaitlistOffer = {
  type: 'DeclineWaitlistOffer';
  data: Omit<WaitlistOfferDeclinedV1, 'declinedAt'> & { at: string };
};
export type ExpireWaitlistOffer = {
  type: 'ExpireWaitlistOffer';
  data: { offerId: string; reason: 'expired' | 'slot_taken'; at: string };
};
export type WaitlistOfferCommand =
  MakeWaitlistOffer | ConfirmWaitlistOffer | DeclineWaitlistOffer | ExpireWaitlistOffer;

export type WaitlistOfferState =
  | { status: 'none' }
  | { status: 'open'; offer: WaitlistOfferMadeV1; declined: string[] }
  | {
      status: 'confirmed';
      offer: WaitlistOfferMadeV1;
      declined: string[];
      confirmation: WaitlistOfferConfirmedV1;
    }
  | {
      status: 'ended';
      offer: WaitlistOfferMadeV1;
      declined: string[];
      reason: WaitlistOfferExpiredV1['reason'];
    };

/** Whether `entryId` may still answer the offer `state` at `at` (open, in the batch, not declined, not expired). */
export function canAnswer(state: WaitlistOfferState, entryId: string, at: string): boolean {
  return (
    state.status === 'open' &&
    state.offer.entryIds.includes(entryId) &&
    !state.declined.includes(entryId) &&
    Date.parse(at) < Date.parse(state.offer.expiresAt)
  );
}

export const waitlistOfferDecider: Decider<WaitlistOfferState, WaitlistOfferCommand, WaitlistOfferEvent> = {
  initialState: () => ({ status: 'none' }),
  decide(command, state) {
    const { at } = command.data;
    switch (command.type) {
      case 'MakeWaitlistOffer': {
        if (state.status !== 'none') return [];
        const { at: _a, ...offer } = command.data;
        if (Date.parse(offer.expiresAt) <= Date.parse(at))
          throw new DomainError('invalid_offer', 'an offer expires in the future');
        if (offer.entryIds.some((e) => offer.previouslyOffered.includes(e)))
          throw new DomainError('invalid_offer', 'a patient is offered a slot once');
        return [{ type: 'WaitlistOfferMade', data: { ...offer, offeredAt: at } }];
      }
      case 'ConfirmWaitlistOffer': {
        const c = command.data;
        if (state.status === 'none') throw new DomainError('offer_not_found', `Unknown offer ${c.offerId}`);
        if (state.status === 'confirmed') {
          if (state.confirmation.entryId === c.entryId) return [];
          throw new DomainError('offer_already_filled', 'someone else confirmed first');
        }
        // The slot accepted this entry's booking under the offer's hold: the record follows the fact,
        // even when the batch was ended in the meantime by a decline of the others.
        if (!state.offer.entryIds.includes(c.entryId))
          throw new DomainError('not_offered', `${c.entryId} was not offered this slot`);
        const { at: _a, ...confirmation } = c;
        return [{ type: 'WaitlistOfferConfirmed', data: { ...confirmation, confirmedAt: at } }];
      }
      case 'DeclineWaitlistOffer': {
        const c = command.data;
        if (state.status === 'none') throw new DomainError('offer_not_found', `Unknown offer ${c.offerId}`);
        if (state.status !== 'open') return [];
        if (!state.offer.entryIds.includes(c.entryId))
          throw new DomainError('not_offered', `${c.entryId} was not offered this slot`);
        if (state.declined.includes(c.entryId)) return [];
        const declined: WaitlistOfferEvent = {
          type: 'WaitlistOfferDeclined',
          data: { offerId: c.offerId, entryId: c.entryId, via: c.via, declinedAt: at },
        };
        const everyone = state.offer.entryIds.every((e) => e === c.entryId || state.declined.includes(e));
        return everyone
          ? [
              declined,
              {
                type: 'WaitlistOfferExpired',
                data: {
                  offerId: c.offerId,
                  slotId: state.offer.slotId,
                  reason: 'all_declined',
                  expiredAt: at,
                },
              },
            ]
          : [declined];
      }
      case 'ExpireWaitlistOffer': {
        if (state.status !== 'open') return [];
        if (command.data.reason === 'expired' && Date.parse(at) < Date.parse(state.offer.expiresAt))
          return [];
        return [
          {
            type: 'WaitlistOfferExpired',
            data: {
              offerId: state.offer.offerId,
              slotId: state.offer.slotId,
              reason: command.data.reason,
              expiredAt: at,
            },
          },
        ];
      }
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case 'WaitlistOfferMade':
        return { status: 'open', offer: event.data, declined: [] };
      case 'WaitlistOfferDeclined':
        return state.status === 'none'
          ? state
          : { ...state, declined: [...state.declined, event.data.entryId] };
      case 'WaitlistOfferConfirmed':
        return state.status === 'none'
          ? state
          : { status: 'confirmed', offer: state.offer, declined: state.declined, confirmation: event.data };
      case 'WaitlistOfferExpired':
        return state.status === 'open'
          ? { status: 'ended', offer: state.offer, declined: state.declined, reason: event.data.reason }
          : state;
    }
  },
};
