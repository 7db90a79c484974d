import { Inject, Injectable, Optional, type OnModuleInit } from '@nestjs/common';
import { CLOCK, type Clock } from '@ringback/kernel';
import { METRICS_REGISTRY } from '@ringback/nest-platform';
import { createGauge } from '@ringback/observability';
import { READ_MODEL_STORE, type ReadModelStore } from '@ringback/platform-core';
import { DateTime } from 'luxon';
import type { Gauge, Registry } from 'prom-client';
import { parseDailyCounterKey } from '@ringback/reporting-domain';
import {
  REPORTING_DAILY_COUNTS,
  REPORTING_LOCATIONS,
  dailyCountsId,
  type DailyCountsDoc,
  type ReportingLocationDoc,
} from '../facts/reporting-facts.projection';

const CACHE_MS = 10_000;
type Where = { location: string; region: string; pod: string };

/**
 * Today's KPIs as Prometheus gauges, per location (its own local day), for Grafana and the recording
 * rules in `deploy/prometheus`: numerators and denominators, so regions aggregate honestly.
 * - `ringback_kpi_today_calls{kind}`: calls by kind (answered, missed_call, voicemail, callback_request);
 * - `ringback_kpi_today_tasks{tier,state}`: tasks opened today, attempted and completed the same day,
 *   SLA met and breached (decided clocks).
 * Read when scraped (at most every 10 s) from the running counts the reporting projection keeps per
 * location and local day, one document per location whatever the day's volume; imported history is
 * left out.
 */
@Injectable()
export class KpiGauges implements OnModuleInit {
  private cache: { at: number; calls: Map<string, number>; tasks: Map<string, number> } | null = null;

  constructor(
    @Inject(READ_MODEL_STORE) private readonly readModels: ReadModelStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Optional() @Inject(METRICS_REGISTRY) private readonly registry?: Registry,
  ) {}

  onModuleInit(): void {
    const registry = this.registry;
    if (!registry) return;
    const snapshot = () => this.snapshot();
    createGauge(registry, {
      name: 'kpi_today_calls',
      help: "Calls today (each location's local day) by kind",
      labelNames: ['location', 'region', 'pod', 'kind'],
      async collect(this: Gauge<string>) {
        const { calls } = await snapshot();
        this.reset();
        for (const [key, value] of calls) this.set(JSON.parse(key) as Record<string, string>, value);
      },
    });
    createGauge(registry, {
      name: 'kpi_today_tasks',
      help: "Callback tasks opened today (each location's local day): opened, attempted_same_day, completed_same_day, sla_met, sla_breached",
      labelNames: ['location', 'region', 'pod', 'tier', 'state'],
      async collect(this: Gauge<string>) {
        const { tasks } = await snapshot();
        this.reset();
        for (const [key, value] of tasks) this.set(JSON.parse(key) as Record<string, string>, value);
      },
    });
  }

  /** Today's counts, keyed by their label set (JSON). */
  async snapshot(): Promise<{ calls: Map<string, number>; tasks: Map<string, number> }> {
    const now = this.clock.now();
    if (this.cache && now - this.cache.at < CACHE_MS && now >= this.cache.at) return this.cache;
    const locations = await this.readModels.find<ReportingLocationDoc>(REPORTING_LOCATIONS, {});
    const idOf = new Map(
      locations.map((l) => [
        l.locationId,
        dailyCountsId(l.locationId, DateTime.fromMillis(now, { zone: l.timezone }).toISODate()!),
      ]),
    );
    const counts = await this.readModels.getMany<DailyCountsDoc>(REPORTING_DAILY_COUNTS, [...idOf.values()]);
    const calls = new Map<string, number>();
    const tasks = new Map<string, number>();
    for (const l of locations) {
      const doc = counts.get(idOf.get(l.locationId)!);
      const where: Where = { location: l.locationId, region: l.regionId, pod: l.podId };
      for (const [key, value] of Object.entries(doc?.counts ?? {})) {
        const counter = parseDailyCounterKey(key);
        if (counter?.metric === 'calls') calls.set(JSON.stringify({ ...where, kind: counter.kind }), value);
        else if (counter?.metric === 'tasks')
          tasks.set(JSON.stringify({ ...where, tier: counter.tier, state: counter.state }), value);
      }
    }
    this.cache = { at: now, calls, tasks };
    return this.cache;
  }
}
