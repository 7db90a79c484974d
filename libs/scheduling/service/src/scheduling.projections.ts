import type { Projection } from '@ringback/platform-core';
import { schedulingCatalogProjection } from './catalog/scheduling-catalog.projection';
import { slotsProjection } from './slots/slots.projection';
import { bookingApprovalsProjection } from './approvals/booking-approvals.projection';
import { waitlistProjection } from './waitlist/waitlist.projection';

/** The scheduling service's read models, for the process's projection runner. */
export const schedulingProjections: readonly Projection[] = [
  schedulingCatalogProjection,
  slotsProjection,
  bookingApprovalsProjection,
  waitlistProjection,
];
