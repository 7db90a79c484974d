import { Inject, Injectable } from '@nestjs/common';
import {
  callImportStreamId,
  ringbackEventRegistry,
  type CallLogImportCompletedV1,
  type EventEnvelope,
  type HistoricalCall,
} from '@ringback/contracts';
import { CLOCK, ID_GENERATOR, toIso, type Clock, type IdGenerator } from '@ringback/kernel';
import { currentTraceparent } from '@ringback/observability';
import { EVENT_STORE, READ_MODEL_STORE, type EventStore, type ReadModelStore } from '@ringback/platform-core';
import { parseCallLogRow } from '@ringback/reporting-domain';
import { parse } from 'csv-parse';
import type { Readable } from 'node:stream';
import { REPORTING_LOCATIONS, type ReportingLocationDoc } from '../facts/reporting-facts.projection';

const BATCH = 500;
const MAX_LISTED_REJECTIONS = 1000;

export interface ImportProgress {
  importId: string;
  state: 'running' | 'completed' | 'failed';
  rows: number;
  imported: number;
  rejected: number;
}

export type ImportSummary = Omit<CallLogImportCompletedV1, 'completedAt'> & { state: 'completed' };

/**
 * Streams a historical call log (CSV, see `CALL_LOG_COLUMNS`) into events: good rows in batches of
 * 500 as HistoricalCallsImported on the import's own stream (`call_import-<importId>`), bad rows
 * reported with their file line numbers and why; good rows are kept whatever the bad ones. The file
 * is never held in memory. Events carry the correlation id `import:<importId>`, which marks their
 * facts imported.
 */
@Injectable()
export class CallLogImporter {
  private readonly registry = ringbackEventRegistry();
  private readonly progress = new Map<string, ImportProgress>();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_MODEL_STORE) private readonly readModels: ReadModelStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {}

  /** The progress of an import this process runs or ran. */
  progressOf(importId: string): ImportProgress | null {
    return this.progress.get(importId) ?? null;
  }

  async import(
    input: Readable,
    options: { fileName: string; startedBy: string; onProgress?: (p: ImportProgress) => void },
  ): Promise<ImportSummary> {
    const importId = this.ids.next(this.clock.now());
    const streamId = callImportStreamId(importId);
    const zones = new Map(
      (await this.readModels.find<ReportingLocationDoc>(REPORTING_LOCATIONS, {})).map((l) => [
        l.locationId,
        l.timezone,
      ]),
    );
    let revision: number | 'no_stream' = 'no_stream';
    const append = async (type: string, data: unknown) => {
      const now = this.clock.now();
      const event: EventEnvelope = {
        eventId: this.ids.next(now),
        type,
        schemaVersion: this.registry.latestVersion(type),
        streamId,
        occurredAt: toIso(now),
        recordedAt: toIso(now),
        correlationId: `import:${importId}`,
        causationId: null,
        locationId: null,
        traceparent: currentTraceparent() ?? null,
        data,
      };
      this.registry.validate(event);
      const result = await this.store.appendToStream(streamId, [event], { expectedRevision: revision });
      revision = result.nextExpectedRevision;
    };
    const progress: ImportProgress = { importId, state: 'running', rows: 0, imported: 0, rejected: 0 };
    this.progress.set(importId, progress);
    await append('CallLogImportStarted', {
      importId,
      fileName: options.fileName.slice(0, 255),
      startedBy: options.startedBy,
      startedAt: toIso(this.clock.now()),
    });

    const rejectedLines: CallLogImportCompletedV1['rejectedLines'] = [];
    let batch: HistoricalCall[] = [];
    let batchNumber = 0;
    let batchFromLine = 2;
    const seen = new Set<string>();
    const flush = async () => {
      if (batch.length === 0) return;
      batchNumber += 1;
      await append('HistoricalCallsImported', {
        importId,
        batch: batchNumber,
        fromLine: batchFromLine,
        calls: batch,
      });
      progress.imported += batch.length;
      batch = [];
      options.onProgress?.({ ...progress });
    };
    const parser = input.pipe(
      parse({
        bom: true,
        columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()),
        skip_empty_lines: true,
        relax_column_count: true,
        trim: true,
        info: true,
      }),
    );
    try {
      for await (const item of parser as AsyncIterable<{
        record: Record<string, string>;
        info: { lines: number };
      }>) {
        progress.rows += 1;
        const line = item.info.lines;
        const result = parseCallLogRow(item.record, (id) => zones.get(id) ?? null);
        const key = result.ok ? `${result.call.locationId}\u0000${result.call.callId}` : '';
        if (result.ok && seen.has(key)) {
          this.reject(progress, rejectedLines, line, ['call_id: appears twice in this file']);
          continue;
        }
        if (!result.ok) {
          this.reject(progress, rejectedLines, line, result.errors);
          continue;
        }
        seen.add(key);
        if (batch.length === 0) batchFromLine = line;
        batch.push(result.call);
        if (batch.length >= BATCH) await flush();
      }
      await flush();
    } catch (error) {
      progress.state = 'failed';
      // A file that is not CSV at all (unbalanced quotes): what was good so far stays imported.
      this.reject(progress, rejectedLines, (error as { lines?: number }).lines ?? progress.rows + 1, [
        `not readable as CSV: ${error instanceof Error ? error.message.slice(0, 200) : 'parse error'}`,
      ]);
    }
    const summary = {
      importId,
      rows: progress.rows,
      imported: progress.imported,
      rejected: progress.rejected,
      rejectedLines,
    };
    await append('CallLogImportCompleted', { ...summary, completedAt: toIso(this.clock.now()) });
    if (progress.state === 'running') progress.state = 'completed';
    options.onProgress?.({ ...progress });
    return { ...summary, state: 'completed' };
  }

  private reject(
    progress: ImportProgress,
    list: CallLogImportCompletedV1['rejectedLines'],
    line: number,
    errors: string[],
  ): void {
    progress.rejected += 1;
    if (list.length < MAX_LISTED_REJECTIONS) list.push({ line, errors: errors.map((e) => e.slice(0, 300)) });
  }
}
