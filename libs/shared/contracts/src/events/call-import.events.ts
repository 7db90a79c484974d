import { z } from 'zod';
import type { EventDefinition } from '../registry';
import { CALL_INTENTS } from './call.events';

/**
 * Historical call-log imports (stream `call_import-<importId>`, category `call_import`, produced by
 * the reporting service). A clinic's past calls, from its phone system's CSV, become facts marked
 * imported, so the 7-day missed-call diagnostic and the what-if simulator can run on them. A call is
 * known by its location and call id: importing a file twice (or overlapping files) counts each call
 * once. Times are UTC ISO-8601.
 */
export const CALL_IMPORT_CATEGORY = 'call_import';
export const callImportStreamId = (importId: string): string => `${CALL_IMPORT_CATEGORY}-${importId}`;

const isoUtc = z.iso.datetime({ offset: false });
const id = z.string().min(1).max(200);

export const historicalCallSchema = z.object({
  /** The phone system's call id (unique per location). */
  callId: id,
  locationId: id,
  occurredAt: isoUtc,
  outcome: z.enum(['answered', 'missed', 'voicemail']),
  intent: z.enum(CALL_INTENTS).nullable(),
  /** When the clinic first called back (missed and voicemail calls), if it did. */
  firstCallbackAt: isoUtc.nullable(),
  /** When a callback reached the caller, if one did. */
  reachedAt: isoUtc.nullable(),
  /** The callback ended in a booking. */
  booked: z.boolean(),
});
export type HistoricalCall = z.infer<typeof historicalCallSchema>;

export const callLogImportStartedV1 = z.object({
  importId: id,
  fileName: z.string().max(255),
  startedBy: id,
  startedAt: isoUtc,
});

export const historicalCallsImportedV1 = z.object({
  importId: id,
  /** 1, 2, ...: the batches of one import, in file order. */
  batch: z.number().int().positive(),
  /** The first file line of the batch (1 is the header). */
  fromLine: z.number().int().positive(),
  calls: z.array(historicalCallSchema).min(1).max(1000),
});

export const callLogImportCompletedV1 = z.object({
  importId: id,
  /** Data rows read (the header aside). */
  rows: z.number().int().min(0),
  imported: z.number().int().min(0),
  rejected: z.number().int().min(0),
  /** The first rejected lines with why (at most 1,000 listed). */
  rejectedLines: z
    .array(z.object({ line: z.number().int().positive(), errors: z.array(z.string().max(300)).min(1) }))
    .max(1000),
  completedAt: isoUtc,
});

export type CallLogImportStartedV1 = z.infer<typeof callLogImportStartedV1>;
export type HistoricalCallsImportedV1 = z.infer<typeof historicalCallsImportedV1>;
export type CallLogImportCompletedV1 = z.infer<typeof callLogImportCompletedV1>;

export const callImportEventDefinitions: EventDefinition[] = [
  {
    type: 'CallLogImportStarted',
    category: CALL_IMPORT_CATEGORY,
    summary: 'An admin started importing a historical call log (CSV)',
    producer: 'reporting',
    versions: [{ version: 1, schema: callLogImportStartedV1 }],
  },
  {
    type: 'HistoricalCallsImported',
    category: CALL_IMPORT_CATEGORY,
    summary: 'A batch of good rows of the call log, as calls marked imported',
    producer: 'reporting',
    versions: [{ version: 1, schema: historicalCallsImportedV1 }],
  },
  {
    type: 'CallLogImportCompleted',
    category: CALL_IMPORT_CATEGORY,
    summary: 'The import finished: rows read, imported, and the rejected lines with their errors',
    producer: 'reporting',
    versions: [{ version: 1, schema: callLogImportCompletedV1 }],
  },
];
