import { ConfigureLocationHandler } from './configure-location.handler';
import { ConfigureLocationHttpController } from './configure-location.http.controller';
import { LocationsHttpController } from './locations.http.controller';
import { LocationsOpenApi } from './locations.openapi';
import { LocationsReadModel } from './locations.read-model';

export { ConfigureLocationHandler } from './configure-location.handler';
export { ConfigureLocationHttpController } from './configure-location.http.controller';
export { LocationsHttpController } from './locations.http.controller';
export { LocationsReadModel } from './locations.read-model';
export { LOCATIONS_COLLECTION, locationsProjection, type LocationDoc } from './locations.projection';
export * from './location.views';

/** The locations slice, for the call-ingest module. */
export const locationControllers = [ConfigureLocationHttpController, LocationsHttpController];
export const locationProviders = [ConfigureLocationHandler, LocationsReadModel, LocationsOpenApi];
