import { Body, Controller, Get, HttpCode, Inject, Post, Query, Req, Res } from '@nestjs/common';
import { Authenticated, CurrentUser, type AuthUser } from '@ringback/auth';
import { ID_GENERATOR, type IdGenerator } from '@ringback/kernel';
import {
  ZodValidationPipe,
  correlationIdOf,
  type HttpRequest,
  type HttpResponse,
} from '@ringback/nest-platform';
import { stringify } from 'csv-stringify/sync';
import type { z } from 'zod';
import { PhiAuditLog } from './phi-audit';
import { PhiErasureService } from './phi-erasure.service';
import { auditQuerySchema, erasureBodySchema, type erasureResultSchema } from './phi-admin.views';

/** Erase requests (crypto-shredding) and the PHI audit log export: admins only. */
@Controller('admin')
@Authenticated('admin')
export class PhiAdminHttpController {
  constructor(
    @Inject(PhiErasureService) private readonly erasures: PhiErasureService,
    @Inject(PhiAuditLog) private readonly audit: PhiAuditLog,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {}

  @Post('erasures')
  @HttpCode(201)
  async erase(
    @CurrentUser() user: AuthUser,
    @Req() req: HttpRequest,
    @Body(new ZodValidationPipe(erasureBodySchema)) body: z.output<typeof erasureBodySchema>,
  ): Promise<z.output<typeof erasureResultSchema>> {
    const done = await this.erasures.erase({
      ...body,
      requestedBy: user.sub,
      correlationId: correlationIdOf(req, this.ids),
    });
    return {
      erasureId: done.erasureId,
      identifiedBy: done.identifiedBy,
      keysDestroyed: done.keysDestroyed,
      erasedAt: done.erasedAt,
    };
  }

  @Get('audit/phi-access')
  async phiAccess(
    @Query(new ZodValidationPipe(auditQuerySchema)) q: z.output<typeof auditQuerySchema>,
    @Res({ passthrough: true }) res: HttpResponse,
  ): Promise<unknown> {
    const items = await this.audit.entries({
      from: q.from,
      to: q.to,
      ...(q.userId ? { userId: q.userId } : {}),
      ...(q.taskId ? { taskId: q.taskId } : {}),
    });
    res.setHeader('Cache-Control', 'no-store');
    if (q.format === 'json') return { items };
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', 'attachment; filename="ringback-phi-access.csv"');
    return stringify([
      [
        'accessed_at',
        'user_id',
        'role',
        'resource',
        'resource_id',
        'task_id',
        'method',
        'path',
        'source_ip',
        'user_agent',
        'status',
        'access_id',
      ],
      ...items.map((a) => [
        a.accessedAt,
        a.actor.userId,
        a.actor.role,
        a.resource,
        a.resourceId ?? '',
        a.taskId ?? '',
        a.method,
        a.path,
        a.sourceIp ?? '',
        a.userAgent ?? '',
        String(a.status),
        a.accessId,
      ]),
    ]);
  }
}
