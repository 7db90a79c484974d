/** Stream categories this service owns (it alone appends to `<category>-<id>` streams). */
export const SCHEDULING_STREAM_CATEGORIES = [
  'appointment_type',
  'provider',
  'slot',
  'booking_approval',
  'waitlist_entry',
  'waitlist_offer',
] as const;
export * from './slots/slot-generator';
export * from './slots/scheduling-authority';
export * from './slots/slot.decider';
export * from './catalog/catalog.decider';
export * from './approvals/booking-approval.decider';
export * from './waitlist/waitlist.decider';
export * from './waitlist/waitlist-ranking';
