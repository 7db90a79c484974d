import { Controller, Get, Header, Inject } from '@nestjs/common';
import { OPENAPI_REGISTRY, renderOpenApiHtml, type OpenApiRegistry } from './openapi.registry';

/** The API description, outside `/api/v1`: `GET /api/docs/openapi.json` and a plain HTML index at `/api/docs`. */
@Controller()
export class OpenApiHttpController {
  constructor(@Inject(OPENAPI_REGISTRY) private readonly registry: OpenApiRegistry) {}

  @Get('api/docs/openapi.json')
  @Header('Cache-Control', 'no-cache')
  openapi(): Record<string, unknown> {
    return this.registry.document();
  }

  @Get('api/docs')
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-cache')
  html(): string {
    return renderOpenApiHtml(this.registry.document());
  }
}
