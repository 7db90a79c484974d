/** The process-wide {@link RingbackConfig} (`@ringback/config`). */
export const RINGBACK_CONFIG = Symbol.for('ringback.Config');
/** The pino {@link Logger} every component logs through. */
export const LOGGER = Symbol.for('ringback.Logger');
/** The prom-client Registry that `/metrics` renders; components add their metrics to it. */
export const METRICS_REGISTRY = Symbol.for('ringback.MetricsRegistry');
/** The {@link ReadinessRegistry} behind `/readyz`. */
export const READINESS = Symbol.for('ringback.Readiness');
/** {@link PlatformOptions} given to `createPlatformModule`. */
export const PLATFORM_OPTIONS = Symbol.for('ringback.PlatformOptions');
