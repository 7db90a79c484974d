import type { Projection } from '@ringback/platform-core';
import { callIngestProjections } from '@ringback/call-ingest-service';
import { slaMonitorProjections } from '@ringback/sla-monitor-service';
import { triageProjections } from '@ringback/triage-service';
import { schedulingProjections } from '@ringback/scheduling-service';
import { remindersProjections } from '@ringback/reminders-service';
import { reportingProjections } from '@ringback/reporting-service';

/**
 * The read models the single process keeps: each service's projections, added here as the services
 * gain them. `npm start` starts them (in embedded mode they rebuild from the event store, since read
 * models live in memory); `npm run projections:rebuild` replays them from zero.
 */
export const projectionCatalogue: readonly Projection[] = [
  ...callIngestProjections,
  ...slaMonitorProjections,
  ...triageProjections,
  ...schedulingProjections,
  ...remindersProjections,
  ...reportingProjections,
];
