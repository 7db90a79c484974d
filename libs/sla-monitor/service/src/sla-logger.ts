/** The logging sla-monitor needs; the platform's pino logger (LOGGER) fits. */
export interface SlaLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

/** Used when no LOGGER is provided (unit tests): warnings and errors to stderr, info dropped. */
export const fallbackSlaLogger: SlaLogger = {
  info: () => undefined,
  warn: (fields, message) => console.warn(message, fields),
  error: (fields, message) => console.error(message, fields),
};
