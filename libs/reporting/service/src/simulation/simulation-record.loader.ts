import { Inject, Injectable } from '@nestjs/common';
import { ringbackEventRegistry } from '@ringback/contracts';
import { EVENT_STORE, type EventStore } from '@ringback/platform-core';
import { SimulationRecordBuilder, type SimulationRecord } from '@ringback/reporting-domain';
import { setImmediate as yieldToLoop } from 'node:timers/promises';

/** Stream categories whose events a replay needs (demand, work, staffing, calendars, policies, breaches). */
export const SIMULATION_CATEGORIES = [
  'location',
  'triage_policy',
  'task',
  'coordinator',
  'sla',
  'slot',
  'call_import',
] as const;
const PAGE = 5_000;

/**
 * Reads the recorded facts a what-if replays straight from the event store (upcast to their latest
 * versions), so a simulation needs no read model of its own and sees exactly what happened.
 */
@Injectable()
export class SimulationRecordLoader {
  private readonly registry = ringbackEventRegistry();

  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async load(): Promise<SimulationRecord> {
    const builder = new SimulationRecordBuilder();
    let from: bigint | undefined;
    for (;;) {
      const page = await this.store.readAll({
        ...(from === undefined ? {} : { fromPosition: from }),
        maxCount: PAGE,
        categories: [...SIMULATION_CATEGORIES],
      });
      for (const e of page) {
        const envelope = this.registry.upcast(e.envelope);
        builder.add({ type: envelope.type, streamId: envelope.streamId, data: envelope.data });
      }
      if (page.length < PAGE) break;
      from = page[page.length - 1]!.position;
      // Long histories: let the process answer other requests between pages.
      await yieldToLoop();
    }
    return builder.build();
  }
}
