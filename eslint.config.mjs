import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

// Packages that perform I/O or read ambient state. Domain and contract libraries must stay pure:
// they get time, ids and data handed in, never fetch them.
const ioPackages = [
  'node:fs',
  'fs',
  'node:fs/promises',
  'fs/promises',
  'node:sqlite',
  'node:net',
  'node:http',
  'node:child_process',
  'http',
  'net',
  'child_process',
  'kafkajs',
  'mongoose',
  'mongodb',
  '@kurrent/*',
  '@nestjs/*',
  'socket.io',
  'pino',
  'prom-client',
  '@opentelemetry/*',
  'testcontainers',
];

const services = ['call-ingest', 'triage', 'sla-monitor', 'scheduling', 'reminders', 'reporting', 'gateway'];

/**
 * Published pure policies a context may reuse as they are: reporting's what-if simulator replays
 * demand through triage's routing planner, triage policy and retry policy (libs/triage/policy) and the SLA monitor's breach policy, so
 * that its projections come from the same rules production runs, not from a copy.
 */
const publishedTo = { reporting: ['published:triage-policy', 'published:sla-policy'] };

/** Layer and scope rules; tests additionally reach the shared testing library (contract suites, fixtures). */
const depConstraints = (extraTags = []) => [
  // Layers
  // Deciders emit contract events, so domain code may use the (pure) contract schemas.
  {
    sourceTag: 'type:domain',
    onlyDependOnLibsWithTags: ['type:domain', 'type:contracts', ...extraTags],
    bannedExternalImports: ioPackages,
  },
  {
    sourceTag: 'type:contracts',
    onlyDependOnLibsWithTags: ['type:domain', 'type:contracts', ...extraTags],
    bannedExternalImports: ioPackages,
  },
  {
    sourceTag: 'type:application',
    onlyDependOnLibsWithTags: ['type:domain', 'type:contracts', 'type:application', ...extraTags],
  },
  {
    sourceTag: 'type:infra',
    onlyDependOnLibsWithTags: [
      'type:domain',
      'type:contracts',
      'type:application',
      'type:infra',
      ...extraTags,
    ],
  },
  {
    sourceTag: 'type:testing',
    onlyDependOnLibsWithTags: [
      'type:domain',
      'type:contracts',
      'type:application',
      'type:infra',
      'type:testing',
    ],
  },
  {
    sourceTag: 'type:app',
    onlyDependOnLibsWithTags: [
      'type:domain',
      'type:contracts',
      'type:application',
      'type:infra',
      'type:app',
      ...extraTags,
    ],
  },
  { sourceTag: 'type:composition', onlyDependOnLibsWithTags: ['*'] },
  // Services talk only through contracts: a service reaches its own domain and shared libraries.
  ...services.map((s) => ({
    sourceTag: `scope:${s}`,
    onlyDependOnLibsWithTags: [`scope:${s}`, 'scope:shared', ...(publishedTo[s] ?? [])],
  })),
];

const boundaryRule = (extraTags = []) => [
  'error',
  {
    enforceBuildableLibDependency: false,
    allow: [],
    banTransitiveDependencies: false,
    depConstraints: depConstraints(extraTags),
  },
];

export default [
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '**/.data/**',
      '**/.nx/**',
      '**/.infra-cache/**',
      '**/tmp/**',
    ],
  },
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  {
    files: ['**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': boundaryRule(),
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportDefaultDeclaration', message: 'Use named exports.' },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Time is injected in pure code.
    files: ['libs/**/domain/src/**/*.ts', 'libs/shared/**/*.ts'],
    ignores: [
      '**/*.spec.ts',
      '**/scripts/**',
      'libs/shared/kernel/src/clock.ts',
      'libs/shared/kernel/src/ids.ts',
    ],
    rules: {
      // Node built-ins are not "external" to the Nx rule, so I/O modules are banned here as well.
      'no-restricted-imports': [
        'error',
        {
          paths: ['fs', 'fs/promises', 'net', 'http', 'https', 'child_process', 'dgram', 'worker_threads']
            .flatMap((m) => [
              { name: m, message: 'Domain and contract code does no I/O.' },
              { name: `node:${m}`, message: 'Domain and contract code does no I/O.' },
            ])
            .concat([{ name: 'node:sqlite', message: 'Domain and contract code does no I/O.' }]),
        },
      ],
      'no-restricted-properties': [
        'error',
        {
          object: 'Date',
          property: 'now',
          message: 'Inject a Clock; domain code never reads the system clock.',
        },
        { object: 'Math', property: 'random', message: 'Inject an IdGenerator or a seed.' },
      ],
    },
  },
  {
    files: ['**/*.spec.ts', '**/test-fixtures/**/*.ts'],
    rules: { '@nx/enforce-module-boundaries': boundaryRule(['type:testing']) },
  },
  prettier,
];
