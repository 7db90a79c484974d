import { Inject, Injectable } from '@nestjs/common';
import { canRead, type AuthUser } from '@ringback/auth';
import { CLOCK, type Clock } from '@ringback/kernel';
import { ApiError } from '@ringback/nest-platform';
import {
  WhatIfSimulation,
  coordinatorHours,
  planOfRecord,
  podTimezone,
  whatIfReport,
  type SimulationRecord,
  type StaffingPlan,
  type WhatIfReport,
  type WorkModel,
} from '@ringback/reporting-domain';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { SimulationRecordLoader } from './simulation-record.loader';

export interface SimulationScope {
  from: string;
  to: string;
  regionId?: string | undefined;
  locationId?: string | undefined;
}

export interface RunSimulation extends SimulationScope {
  staffing: { kind: 'recorded' } | { kind: 'plan'; rows: StaffingPlan['rows'] };
  policyVersion?: number | undefined;
  wrapUpSeconds?: number | undefined;
  seed: number;
}

export interface SimulationAnswer extends WhatIfReport {
  scope: { locations: number; pods: string[] };
  staffing: {
    kind: 'recorded' | 'plan';
    /** Coordinator-hours per pod within the period: as recorded, and as replayed. */
    coordinatorHours: Record<string, { recorded: number; replayed: number }>;
  };
  policyVersion: number | null;
  work: WorkModel;
  /** Overall SLA attainment per pod, projected beside actual. */
  byPod: { podId: string; projected: number | null; actual: number | null; tasks: number }[];
}

export interface RecordedStaffing {
  from: string;
  to: string;
  plan: StaffingPlan;
  pods: { podId: string; timezone: string }[];
  policyVersions: number[];
}

/** Instants replayed per slice before yielding the event loop to other requests. */
const SLICE = 2_000;

/**
 * The what-if use case: loads the recorded facts, narrows them to the caller's scope, replays the
 * period under the staffing and policy asked for, and reports projected beside actual figures.
 */
@Injectable()
export class RunSimulationHandler {
  constructor(
    @Inject(SimulationRecordLoader) private readonly loader: SimulationRecordLoader,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async run(user: AuthUser, command: RunSimulation): Promise<SimulationAnswer> {
    const record = await this.loader.load();
    const locationIds = this.scope(user, record, command);
    const fromMs = Date.parse(command.from);
    const toMs = Date.parse(command.to);
    if (command.policyVersion !== undefined && !record.policies.has(command.policyVersion))
      throw new ApiError(
        422,
        'policy_version_not_found',
        `No triage policy version ${command.policyVersion} was recorded`,
        [
          {
            policyVersion: command.policyVersion,
            recorded: [...record.policies.keys()].sort((a, b) => a - b),
          },
        ],
      );
    const sim = new WhatIfSimulation(record, {
      fromMs,
      toMs,
      staffing:
        command.staffing.kind === 'recorded'
          ? { kind: 'recorded' }
          : { kind: 'plan', plan: { rows: command.staffing.rows } },
      policyVersion: command.policyVersion ?? null,
      seed: command.seed,
      locationIds,
      // What actually happened is known up to now: the replay must not run further into the future.
      horizonMs: Math.min(toMs + 7 * 86_400_000, this.clock.now()),
      ...(command.wrapUpSeconds === undefined ? {} : { wrapUpMs: command.wrapUpSeconds * 1000 }),
    });
    while (!sim.run(SLICE)) await yieldToLoop();
    const result = sim.result();
    const zoneOf = (id: string) => record.locations.get(id)?.timezone ?? 'UTC';
    const period = { fromMs, toMs };
    const report = whatIfReport(result, period, zoneOf);
    const pods = [...new Set(locationIds.map((id) => record.locations.get(id)!.podId))].sort();
    const recordedStaff = record.coordinators.filter((c) => c.podIds.some((p) => pods.includes(p)));
    const recordedHours = coordinatorHours(recordedStaff, fromMs, toMs);
    const replayedHours = coordinatorHours(result.coordinators, fromMs, toMs);
    return {
      ...report,
      scope: { locations: locationIds.length, pods },
      staffing: {
        kind: command.staffing.kind,
        coordinatorHours: Object.fromEntries(
          pods.map((p) => [p, { recorded: recordedHours[p] ?? 0, replayed: replayedHours[p] ?? 0 }]),
        ),
      },
      policyVersion: result.policyVersion,
      work: result.work,
      byPod: pods.map((podId) => {
        const inPod = (f: { podId: string }) => f.podId === podId;
        const r = whatIfReport(
          { simulated: result.simulated.filter(inPod), actual: result.actual.filter(inPod) },
          period,
          zoneOf,
        );
        return {
          podId,
          projected: r.projected.slaAttainment.overall,
          actual: r.actual.slaAttainment.overall,
          tasks: r.actual.tasks,
        };
      }),
    };
  }

  /** The recorded staffing of the period as a plan: what the UI starts a what-if from. */
  async recordedStaffing(user: AuthUser, scope: SimulationScope): Promise<RecordedStaffing> {
    const record = await this.loader.load();
    const locationIds = this.scope(user, record, scope);
    const pods = new Set(locationIds.map((id) => record.locations.get(id)!.podId));
    const inScope: Pick<SimulationRecord, 'locations' | 'coordinators'> = {
      locations: new Map([...record.locations].filter(([id]) => locationIds.includes(id))),
      coordinators: record.coordinators
        .filter((c) => c.podIds.some((p) => pods.has(p)))
        .map((c) => ({ ...c, podIds: c.podIds.filter((p) => pods.has(p)) })),
    };
    const plan = planOfRecord(inScope, Date.parse(scope.from), Date.parse(scope.to));
    return {
      from: scope.from,
      to: scope.to,
      plan,
      pods: [...pods].sort().map((podId) => ({ podId, timezone: podTimezone(inScope, podId) })),
      policyVersions: [...record.policies.keys()].sort((a, b) => a - b),
    };
  }

  /** The locations of the request the caller may see (404 for a location out of scope or unknown). */
  private scope(user: AuthUser, record: SimulationRecord, q: SimulationScope): string[] {
    const ids = [...record.locations.values()]
      .filter(
        (l) =>
          canRead(user, l) &&
          (!q.regionId || l.regionId === q.regionId) &&
          (!q.locationId || l.locationId === q.locationId),
      )
      .map((l) => l.locationId)
      .sort();
    if (q.locationId && ids.length === 0)
      throw new ApiError(404, 'location_not_found', `Unknown location ${q.locationId}`, [
        { locationId: q.locationId },
      ]);
    return ids;
  }
}
