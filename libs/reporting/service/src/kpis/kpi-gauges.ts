import { Inject, Injectable, Optional, type OnModuleInit } from '@nestjs/common';
import { CLOCK, type Clock } from '@ringback/kernel';
import { METRICS_REGISTRY } from '@ringback/nest-platform';
import { createGauge } from '@ringback/observability';
import { READ_MODEL_STORE, type ReadModelStore } from '@ringback/platform-core';
import { DateTime } from 'luxon';
import type { Gauge, Registry } from 'prom-client';
import {
  REPORTING_CONTACTS,
  REPORTING_LOCATIONS,
  REPORTING_TASKS,
  type ContactFactDoc,
  type ReportingLocationDoc,
  type TaskFactDoc,
} from '../facts/reporting-facts.projection';

/** The UTC dates that the local day `isoDate` in `zone` overlaps (one or two). */
function utcDaysOfLocalDay(isoDate: string, zone: string): string[] {
  const start = DateTime.fromISO(isoDate, { zone }).startOf('day');
  const end = start.plus({ days: 1 }).minus({ milliseconds: 1 });
  return [...new Set([start, end].map((t) => t.toUTC().toISODate()!))];
}

const CACHE_MS = 10_000;
type Where = { location: string; region: string; pod: string };

/**
 * Today's KPIs as Prometheus gauges, per location (its own local day), for Grafana and the recording
 * rules in `deploy/prometheus`: numerators and denominators, so regions aggregate honestly.
 * - `ringback_kpi_today_calls{kind}`: calls by kind (answered, missed_call, voicemail, callback_request);
 * - `ringback_kpi_today_tasks{tier,state}`: tasks opened today, attempted and completed the same day,
 *   SLA met and breached (decided clocks).
 * Computed from the reporting facts when scraped (at most every 10 s), reading only the facts of the
 * UTC dates that some location's local today overlaps; imported history is left out.
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
    const locations = new Map(
      (await this.readModels.find<ReportingLocationDoc>(REPORTING_LOCATIONS, {})).map((l) => [
        l.locationId,
        l,
      ]),
    );
    const today = new Map(
      [...locations.values()].map((l) => [
        l.locationId,
        DateTime.fromMillis(now, { zone: l.timezone }).toISODate(),
      ]),
    );
    const where = (locationId: string): Where | null => {
      const l = locations.get(locationId);
      return l ? { location: l.locationId, region: l.regionId, pod: l.podId } : null;
    };
    const localDay = (iso: string, locationId: string) =>
      DateTime.fromISO(iso, { zone: locations.get(locationId)?.timezone ?? 'UTC' }).toISODate();
    const isToday = (iso: string | null, locationId: string) =>
      iso !== null && localDay(iso, locationId) === today.get(locationId);
    const calls = new Map<string, number>();
    const tasks = new Map<string, number>();
    const add = (m: Map<string, number>, labels: Record<string, string>) => {
      const key = JSON.stringify(labels);
      m.set(key, (m.get(key) ?? 0) + 1);
    };
    const utcDays = new Set(
      [...locations.values()].flatMap((l) => utcDaysOfLocalDay(today.get(l.locationId)!, l.timezone)),
    );
    const ofToday = async <T extends ContactFactDoc | TaskFactDoc>(
      collection: string,
      dayField: 'utcDay' | 'openedUtcDay',
    ): Promise<T[]> =>
      (
        await Promise.all(
          [...utcDays].map((day) =>
            this.readModels.find<T>(collection, { imported: false, [dayField]: day }),
          ),
        )
      ).flat();
    for (const c of await ofToday<ContactFactDoc>(REPORTING_CONTACTS, 'utcDay')) {
      const w = where(c.locationId);
      if (w && isToday(c.occurredAt, c.locationId)) add(calls, { ...w, kind: c.kind });
    }
    for (const t of await ofToday<TaskFactDoc>(REPORTING_TASKS, 'openedUtcDay')) {
      const w = where(t.locationId);
      if (!w || !isToday(t.openedAt, t.locationId)) continue;
      const labels = { ...w, tier: String(t.tier) };
      add(tasks, { ...labels, state: 'opened' });
      if (isToday(t.firstAttemptAt, t.locationId)) add(tasks, { ...labels, state: 'attempted_same_day' });
      if (isToday(t.resolvedAt, t.locationId)) add(tasks, { ...labels, state: 'completed_same_day' });
      if (t.slaMet === true && !t.slaBreached) add(tasks, { ...labels, state: 'sla_met' });
      if (t.slaBreached || t.slaMet === false) add(tasks, { ...labels, state: 'sla_breached' });
    }
    this.cache = { at: now, calls, tasks };
    return this.cache;
  }
}
