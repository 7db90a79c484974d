import { envVarMeta, envVarNames } from './env.schema';

/** One row of the configuration table in the README. */
export interface ConfigVariableDoc {
  name: string;
  /** Default as written in an env file; null when the variable has none. Secrets show a placeholder. */
  default: string | null;
  description: string;
}

/** Placeholder shown instead of a secret's development default. */
export const SECRET_DEFAULT_PLACEHOLDER = '(development-only value)';

/** The configuration reference, in schema order, generated from the same metadata {@link loadConfig} uses. */
export function configDocumentation(): ConfigVariableDoc[] {
  return envVarNames().map((name) => {
    const meta = envVarMeta(name);
    const fallback =
      meta.default === undefined ? null : meta.secret ? SECRET_DEFAULT_PLACEHOLDER : meta.default;
    return { name, default: fallback, description: meta.description };
  });
}

/** The table as Markdown, for generating or checking the README section. */
export function configDocumentationMarkdown(): string {
  const cell = (s: string): string => s.replace(/\|/g, '\\|');
  const rows = configDocumentation().map(
    (d) =>
      `| \`${d.name}\` | ${d.default === null ? '' : `\`${cell(d.default)}\``} | ${cell(d.description)} |`,
  );
  return ['| variable | default | description |', '|---|---|---|', ...rows].join('\n') + '\n';
}
