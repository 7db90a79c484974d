import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Controller, Get, Header, Inject, Optional } from '@nestjs/common';
import { devTokenOptionsFor, signDevToken, type DevTokenClaims } from '@ringback/auth';
import type { RingbackConfig } from '@ringback/config';
import { ApiError, RINGBACK_CONFIG } from '@ringback/nest-platform';

const file = (name: string): string => readFileSync(path.join(__dirname, name), 'utf8');

/** The people of the demo health system, for signing in without an identity provider. */
export const DEMO_USERS: readonly (DevTokenClaims & { id: string; label: string })[] = [
  { id: 'admin', label: 'Admin (everything)', role: 'admin', sub: 'demo-admin' },
  { id: 'sup-west', label: 'Supervisor, West', role: 'supervisor', sub: 'sup-west', regions: ['west'] },
  { id: 'sup-east', label: 'Supervisor, East', role: 'supervisor', sub: 'sup-east', regions: ['east'] },
  {
    id: 'ann',
    label: 'Ann, coordinator (pod-mountain)',
    role: 'coordinator',
    sub: 'ann',
    pods: ['pod-mountain'],
  },
  { id: 'cy', label: 'Cy, coordinator (pod-harbor)', role: 'coordinator', sub: 'cy', pods: ['pod-harbor'] },
];

/**
 * The web UI served by the gateway: the wallboard at `/` (static page and script; live data comes
 * over socket.io). `GET /api/v1/dev/demo-users` signs the demo users in, only while the process runs
 * with the development JWT secret (embedded `npm start`) or in tests; anywhere else it is 404.
 */
@Controller()
export class WallboardUiHttpController {
  private readonly html = file('wallboard.html');
  private readonly js = file('wallboard.js');
  private readonly css = file('wallboard.css');
  // Chart.js draws the report charts; served from the installed package, no CDN.
  private readonly charts = readFileSync(
    // The UMD build is not in the package's exports map: found next to its main entry.
    path.join(path.dirname(require.resolve('chart.js')), 'chart.umd.min.js'),
    'utf8',
  );

  constructor(@Optional() @Inject(RINGBACK_CONFIG) private readonly config?: RingbackConfig) {}

  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-cache')
  page(): string {
    return this.html;
  }

  @Get('ui/wallboard.js')
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  @Header('Cache-Control', 'no-cache')
  script(): string {
    return this.js;
  }

  @Get('ui/wallboard.css')
  @Header('Content-Type', 'text/css; charset=utf-8')
  @Header('Cache-Control', 'no-cache')
  style(): string {
    return this.css;
  }

  @Get('ui/chart.umd.js')
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  @Header('Cache-Control', 'public, max-age=86400')
  chartLibrary(): string {
    return this.charts;
  }

  @Get('dev/demo-users')
  async demoUsers(): Promise<{ users: { id: string; label: string; token: string }[] }> {
    const config = this.config;
    const devSecret = config?.devDefaultsInUse.includes('AUTH_JWT_SECRET') ?? false;
    const allowed =
      config &&
      config.nodeEnv !== 'production' &&
      config.auth.jwtSecret &&
      (devSecret || config.nodeEnv === 'test');
    if (!allowed || !config.auth.jwtSecret) throw new ApiError(404, 'not_found', 'Not found');
    const secret = config.auth.jwtSecret;
    return {
      users: await Promise.all(
        DEMO_USERS.map(async ({ id, label, ...claims }) => ({
          id,
          label,
          token: await signDevToken(claims, secret, devTokenOptionsFor(config.auth)),
        })),
      ),
    };
  }
}
