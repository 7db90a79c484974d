import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { OPENAPI_REGISTRY, type OpenApiRegistry } from '@ringback/nest-platform';
import { auditListSchema, auditQuerySchema, erasureBodySchema, erasureResultSchema } from './phi-admin.views';

/** Describes the privacy endpoints in the process's OpenAPI document. */
@Injectable()
export class PhiOpenApi implements OnModuleInit {
  constructor(@Inject(OPENAPI_REGISTRY) private readonly openApi: OpenApiRegistry) {}

  onModuleInit(): void {
    const tags = ['privacy'];
    this.openApi.register(
      {
        method: 'post',
        path: '/api/v1/admin/erasures',
        summary: 'Erase a patient’s PHI by destroying their data keys (crypto-shredding)',
        description:
          'Admins. Name the patient by exactly one of `phone` (E.164), `email`, `patientRef` or `taskId`. Every data ' +
          'key of the patient is destroyed: their names, numbers, transcripts and notes read as `[erased]` in the ' +
          'event store, on the bus, in every read model (rebuilt at once in this process) and in exports, while ' +
          'every KPI stays the same. Recorded as `PatientDataErased` (the number itself is never recorded).',
        tags,
        security: 'bearer',
        roles: ['admin'],
        body: erasureBodySchema,
        responses: {
          201: { description: 'Keys destroyed', schema: erasureResultSchema },
          400: { description: '`validation_failed`', schema: 'error' },
          404: { description: '`task_not_found` (by taskId)', schema: 'error' },
        },
      },
      {
        method: 'get',
        path: '/api/v1/admin/audit/phi-access',
        summary: 'The PHI audit log: every read of PHI through the API',
        description:
          'Admins. `PhiAccessed` events with `accessedAt` in [from, to): who (user and role), when, what ' +
          '(resource, its id, the task), from where (source IP, user agent). `format=csv` downloads it as CSV.',
        tags,
        security: 'bearer',
        roles: ['admin'],
        query: auditQuerySchema,
        responses: {
          200: { description: 'Audit entries, oldest first (JSON or text/csv)', schema: auditListSchema },
          400: { description: '`validation_failed`', schema: 'error' },
        },
      },
    );
  }
}
