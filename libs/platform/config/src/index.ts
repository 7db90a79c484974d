export {
  DEV_AUTH_JWT_SECRET,
  DEV_INGEST_WEBHOOK_SECRET,
  DEV_PHI_MASTER_KEY,
  LOG_LEVELS,
  MIN_SECRET_LENGTH,
  envSchema,
  envVarMeta,
  envVarNames,
  type EnvVarMeta,
  type EnvVarName,
  type LogLevel,
} from './env.schema';
export { ConfigError, loadConfig, type ConfigIssue, type RingbackConfig } from './load-config';
export {
  SECRET_DEFAULT_PLACEHOLDER,
  configDocumentation,
  configDocumentationMarkdown,
  type ConfigVariableDoc,
} from './config-documentation';
