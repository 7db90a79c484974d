import type { LoggerService } from '@nestjs/common';
import type { Logger } from '@ringback/observability';

// Startup chatter (module wiring, every mapped route) goes to debug instead of info.
const NOISY_CONTEXTS = new Set([
  'NestFactory',
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestApplication',
  'WebSocketsController',
]);

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/** Nest's LoggerService on top of the platform's pino logger, so framework messages are JSON too. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...params: unknown[]): void {
    const context = this.context(params);
    this.write(context && NOISY_CONTEXTS.has(context) ? 'debug' : 'info', message, context);
  }

  error(message: unknown, ...params: unknown[]): void {
    // Nest calls error(message, stack?, context?)
    const context = params.length >= 1 ? this.context(params) : undefined;
    const stack = params.length >= 2 && typeof params[0] === 'string' ? params[0] : undefined;
    this.write('error', message, context, stack);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, this.context(params));
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, this.context(params));
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, this.context(params));
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, this.context(params));
  }

  private context(params: unknown[]): string | undefined {
    const last = params[params.length - 1];
    return typeof last === 'string' ? last : undefined;
  }

  private write(level: Level, message: unknown, context?: string, stack?: string): void {
    const fields: Record<string, unknown> = context ? { context } : {};
    if (message instanceof Error) {
      this.logger[level]({ ...fields, err: message }, message.message);
    } else if (typeof message === 'string') {
      this.logger[level](stack ? { ...fields, stack } : fields, message);
    } else {
      this.logger[level]({ ...fields, data: message }, context ?? 'nest');
    }
  }
}
