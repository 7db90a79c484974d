import { it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { configDocumentationMarkdown } from '@ringback/config';

const root = path.resolve(__dirname, '../..');
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
};

it('README configuration table matches the config schema', () => {
  assert.ok(
    readme.includes(configDocumentationMarkdown()),
    'regenerate the table from configDocumentationMarkdown()',
  );
});

it('every `npm run <script>` the README mentions exists', () => {
  const mentioned = [...readme.matchAll(/npm run (?:-s )?([a-z][a-z:-]*)/g)].map((m) => m[1]!);
  assert.ok(mentioned.length > 0);
  for (const script of mentioned) assert.ok(pkg.scripts[script], `README mentions npm run ${script}`);
});

it('.ci/run runs the README test command', () => {
  const ci = readFileSync(path.join(root, '.ci/run'), 'utf8');
  assert.match(readme, /npm ci && npm test/);
  assert.match(ci, /^npm ci\b.*$/m);
  assert.match(ci, /^npm test$/m);
});
