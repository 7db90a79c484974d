import { it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { renderAsyncApiYaml } from './render-asyncapi';

it('the committed asyncapi.yaml is what the schemas generate (run `npm run asyncapi` after changing events)', () => {
  const committed = readFileSync(path.join(__dirname, '..', '..', 'asyncapi.yaml'), 'utf8');
  assert.equal(committed, renderAsyncApiYaml());
});
