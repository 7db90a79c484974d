import { existsSync } from 'node:fs';
import type { TestContext } from 'node:test';

/** Debian's chromium (installed by .ci/run); the browser tests need a real browser or report not run. */
export const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

/** The browser's path, or the test reports itself not run (an error where infra is required). */
export function requireChromium(t: TestContext): string | undefined {
  if (CHROMIUM) return CHROMIUM;
  const reason = 'not run: no chromium (apt-get install chromium)';
  if (process.env['RINGBACK_REQUIRE_INFRA'] === '1') throw new Error(reason);
  t.skip(reason);
  return undefined;
}
