export * from './scheduling.module';
export * from './scheduling.projections';
export * from './scheduling.views';
export * from './booking/booking.handler';
export * from './booking/reschedule-completion.consumer';
export * from './fhir/fhir.mapping';
export * from './slots/slots.projection';
export * from './catalog/scheduling-catalog.projection';
