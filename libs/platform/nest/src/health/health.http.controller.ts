import { Controller, Get, Header, Inject, Res } from '@nestjs/common';
import { renderMetrics, type Registry } from '@ringback/observability';
import { ApiError } from '../errors/error-body';
import type { HttpResponse } from '../http-types';
import type { ComponentReadiness, ReadinessRegistry } from '../readiness/readiness.registry';
import { METRICS_REGISTRY, READINESS } from '../tokens';

/** Liveness, readiness and Prometheus scrape endpoints, served at the root (outside `/api/v1`). */
@Controller()
export class HealthHttpController {
  constructor(
    @Inject(READINESS) private readonly readiness: ReadinessRegistry,
    @Inject(METRICS_REGISTRY) private readonly registry: Registry,
  ) {}

  /** 200 while the process can answer at all. */
  @Get('healthz')
  @Header('Cache-Control', 'no-store')
  healthz(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** 200 when every registered check passes, else 503 `not_ready` naming the failing components. */
  @Get('readyz')
  @Header('Cache-Control', 'no-store')
  async readyz(): Promise<{ status: 'ready'; components: ComponentReadiness[] }> {
    const report = await this.readiness.evaluate();
    if (report.ready) return { status: 'ready', components: report.components };
    const failing = report.components.filter((c) => !c.ok);
    throw new ApiError(
      503,
      'not_ready',
      `Not ready: ${failing.map((c) => c.component).join(', ')}`,
      failing.map((c) => ({ component: c.component, detail: c.detail ?? 'not ready' })),
    );
  }

  /** Prometheus text exposition. */
  @Get('metrics')
  @Header('Cache-Control', 'no-store')
  async metrics(@Res({ passthrough: true }) res: HttpResponse): Promise<string> {
    res.setHeader('Content-Type', this.registry.contentType);
    return renderMetrics(this.registry);
  }
}
