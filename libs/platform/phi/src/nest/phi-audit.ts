import {
  Inject,
  Injectable,
  SetMetadata,
  UseInterceptors,
  applyDecorators,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { AuthenticatedRequest } from '@ringback/auth';
import {
  PHI_ACCESS_CATEGORY,
  phiAccessStreamId,
  ringbackEventRegistry,
  type PhiAccessedV1,
} from '@ringback/contracts';
import { CLOCK, ID_GENERATOR, toIso, type Clock, type IdGenerator } from '@ringback/kernel';
import { correlationIdOf, type HttpResponse } from '@ringback/nest-platform';
import { EVENT_STORE, type EventStore } from '@ringback/platform-core';
import { from, lastValueFrom, type Observable } from 'rxjs';

const PHI_AUDIT = Symbol.for('ringback.PhiAudit');

interface PhiAuditMeta {
  resource: PhiAccessedV1['resource'];
  /** The route parameter naming what is read (absent: the query string is recorded). */
  param?: string;
}

/**
 * Marks a handler that answers with PHI: every successful answer is recorded in the audit log as a
 * PhiAccessed event (who, when, which task or resource, from where) before it leaves the process.
 * When the audit cannot be recorded the read fails: no unaudited PHI read.
 */
export const AuditPhiRead = (resource: PhiAuditMeta['resource'], param?: string) =>
  applyDecorators(
    SetMetadata(PHI_AUDIT, { resource, ...(param ? { param } : {}) } satisfies PhiAuditMeta),
    UseInterceptors(PhiAuditInterceptor),
  );

/** The client address: the first X-Forwarded-For hop (a TLS-terminating proxy in front), else the socket. */
function sourceIpOf(req: AuthenticatedRequest): string | null {
  const forwarded = req.headers['x-forwarded-for'];
  const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim();
  const ip = first || (req as { ip?: string }).ip || req.socket?.remoteAddress || null;
  return ip ? ip.slice(0, 100) : null;
}

@Injectable()
export class PhiAuditLog {
  private readonly registry = ringbackEventRegistry();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {}

  async record(entry: Omit<PhiAccessedV1, 'accessId' | 'accessedAt'>, correlationId: string): Promise<void> {
    const now = this.clock.now();
    const accessedAt = toIso(now);
    const accessId = this.ids.next(now);
    const streamId = phiAccessStreamId(accessedAt.slice(0, 10));
    const envelope = this.registry.validate({
      eventId: accessId,
      type: 'PhiAccessed',
      schemaVersion: 1,
      streamId,
      occurredAt: accessedAt,
      recordedAt: accessedAt,
      correlationId,
      causationId: null,
      locationId: null,
      traceparent: null,
      data: { ...entry, accessId, accessedAt },
    });
    await this.store.appendToStream(streamId, [envelope], { expectedRevision: 'any' });
  }

  /** Audit entries with `accessedAt` in [from, to), oldest first, optionally of one user or task. */
  async entries(q: { from: string; to: string; userId?: string; taskId?: string }): Promise<PhiAccessedV1[]> {
    const out: PhiAccessedV1[] = [];
    for (const r of await this.store.readAll({ categories: [PHI_ACCESS_CATEGORY] })) {
      const e = this.registry.upcast(r.envelope);
      if (e.type !== 'PhiAccessed') continue;
      const d = e.data as PhiAccessedV1;
      if (d.accessedAt < q.from || d.accessedAt >= q.to) continue;
      if (q.userId && d.actor.userId !== q.userId) continue;
      if (q.taskId && d.taskId !== q.taskId) continue;
      out.push(d);
    }
    return out;
  }
}

@Injectable()
export class PhiAuditInterceptor implements NestInterceptor {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(PhiAuditLog) private readonly audit: PhiAuditLog,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const meta = this.reflector.get<PhiAuditMeta | undefined>(PHI_AUDIT, context.getHandler());
    if (!meta) return next.handle();
    const http = context.switchToHttp();
    const req = http.getRequest<AuthenticatedRequest>();
    const res = http.getResponse<HttpResponse>();
    return from(
      (async () => {
        const body = await lastValueFrom(next.handle());
        const params = (req as { params?: Record<string, string> }).params ?? {};
        const url = (req as { originalUrl?: string }).originalUrl ?? req.url ?? '';
        const resourceId = meta.param ? (params[meta.param] ?? null) : (url.split('?')[1] ?? null);
        const bodyTask = (body as { taskId?: unknown } | null)?.taskId;
        const taskId =
          meta.resource === 'task_contact' ? resourceId : typeof bodyTask === 'string' ? bodyTask : null;
        const agent = req.headers['user-agent'];
        await this.audit.record(
          {
            actor: { userId: req.user?.sub ?? 'unknown', role: req.user?.role ?? 'unknown' },
            resource: meta.resource,
            resourceId: resourceId?.slice(0, 500) ?? null,
            taskId,
            method: req.method ?? 'GET',
            path: url.split('?')[0]!.slice(0, 2000),
            sourceIp: sourceIpOf(req),
            userAgent: typeof agent === 'string' ? agent.slice(0, 500) : null,
            status: res.statusCode ?? 200,
          },
          correlationIdOf(req, this.ids),
        );
        return body;
      })(),
    );
  }
}
