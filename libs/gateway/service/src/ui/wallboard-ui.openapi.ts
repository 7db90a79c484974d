import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { OPENAPI_REGISTRY, type OpenApiRegistry } from '@ringback/nest-platform';
import { z } from 'zod';

const demoUsersSchema = z.object({
  users: z.array(z.object({ id: z.string(), label: z.string(), token: z.string() })),
});

/** Describes the demo sign-in in the process's OpenAPI document. */
@Injectable()
export class WallboardUiOpenApi implements OnModuleInit {
  constructor(@Inject(OPENAPI_REGISTRY) private readonly openApi: OpenApiRegistry) {}

  onModuleInit(): void {
    this.openApi.register({
      method: 'get',
      path: '/api/v1/dev/demo-users',
      summary: 'Demo users with signed tokens (embedded development only)',
      description:
        'Answers only while the process runs with the development JWT secret (or NODE_ENV=test); ' +
        'otherwise, and always in production, 404. The wallboard page at `/` signs in with it.',
      tags: ['ui'],
      responses: {
        200: { description: 'Demo users', schema: demoUsersSchema },
        404: { description: 'Not a development process', schema: 'error' },
      },
    });
  }
}
