import { Controller, Get, HttpCode, Inject, Param, Post, Query, Req } from '@nestjs/common';
import { Authenticated, CurrentUser, type AuthUser } from '@ringback/auth';
import {
  callImportStreamId,
  ringbackEventRegistry,
  type CallLogImportCompletedV1,
} from '@ringback/contracts';
import { ApiError, ZodValidationPipe, type HttpRequest } from '@ringback/nest-platform';
import { EVENT_STORE, type EventStore } from '@ringback/platform-core';
import { z } from 'zod';
import { CallLogImporter } from './call-log.importer';

export const importQuerySchema = z.strictObject({
  fileName: z.string().min(1).max(255).default('call-log.csv'),
});
export const importParamsSchema = z.object({
  importId: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[A-Za-z0-9._-]+$/),
});
export const importSummarySchema = z.object({
  importId: z.string(),
  state: z.enum(['running', 'completed', 'failed']),
  rows: z.number().int(),
  imported: z.number().int(),
  rejected: z.number().int(),
  rejectedLines: z.array(z.object({ line: z.number().int(), errors: z.array(z.string()) })).optional(),
});

/**
 * Historical call-log imports (admins): `POST` a CSV (`text/csv`, streamed, never held in memory),
 * answered with what was imported and the rejected lines; `GET` the progress of a running import
 * (what the web UI polls) or the outcome of a finished one.
 */
@Controller('admin/imports')
@Authenticated('admin')
export class ImportsHttpController {
  private readonly registry = ringbackEventRegistry();

  constructor(
    @Inject(CallLogImporter) private readonly importer: CallLogImporter,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  @Post('call-logs')
  @HttpCode(201)
  async importCallLog(
    @CurrentUser() user: AuthUser,
    @Query(new ZodValidationPipe(importQuerySchema)) q: z.output<typeof importQuerySchema>,
    @Req() req: HttpRequest,
  ) {
    const type = String(req.headers['content-type'] ?? '');
    if (!/^text\/csv\b/i.test(type))
      throw new ApiError(415, 'unsupported_media_type', 'A call log is sent as text/csv', [
        { contentType: type || null },
      ]);
    return this.importer.import(req as unknown as import('node:stream').Readable, {
      fileName: q.fileName,
      startedBy: user.sub,
    });
  }

  @Get(':importId')
  async get(@Param(new ZodValidationPipe(importParamsSchema)) p: z.output<typeof importParamsSchema>) {
    const running = this.importer.progressOf(p.importId);
    if (running && running.state === 'running') return running;
    const done = (await this.store.readStream(callImportStreamId(p.importId))).find(
      (r) => r.envelope.type === 'CallLogImportCompleted',
    );
    if (!done) {
      if (running) return running;
      throw new ApiError(404, 'import_not_found', `Unknown import ${p.importId}`, [{ importId: p.importId }]);
    }
    const d = this.registry.upcast(done.envelope).data as CallLogImportCompletedV1;
    return {
      importId: d.importId,
      state: 'completed' as const,
      rows: d.rows,
      imported: d.imported,
      rejected: d.rejected,
      rejectedLines: d.rejectedLines,
    };
  }
}
