import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { fieldIssues } from '../errors/error-body';
import { OpenApiRegistry, renderOpenApiHtml } from './openapi.registry';

describe('OpenApiRegistry', () => {
  const registry = new OpenApiRegistry().register({
    method: 'put',
    path: '/api/v1/things/{thingId}',
    summary: 'Replace a <thing>',
    security: 'bearer',
    roles: ['admin'],
    params: z.object({ thingId: z.string().regex(/^[a-z]+$/) }),
    query: z.object({ dryRun: z.enum(['true', 'false']).optional() }),
    body: z.object({ name: z.string().min(1), size: z.number().int().default(1) }),
    responses: {
      200: { description: 'Stored', schema: z.object({ version: z.number().int() }) },
      404: { description: 'No such thing', schema: 'error' },
    },
  });

  it('renders an OpenAPI 3.1 document from the zod schemas', () => {
    const doc = registry.document() as any;
    assert.equal(doc.openapi, '3.1.0');
    const op = doc.paths['/api/v1/things/{thingId}'].put;
    assert.deepEqual(
      op.parameters.map((p: { name: string; in: string; required: boolean }) => [p.name, p.in, p.required]),
      [
        ['thingId', 'path', true],
        ['dryRun', 'query', false],
      ],
    );
    assert.equal(op.parameters[0].schema.pattern, '^[a-z]+$');
    const body = op.requestBody.content['application/json'].schema;
    assert.deepEqual(body.required, ['name'], 'input side: defaulted fields are optional');
    assert.deepEqual(Object.keys(op.responses).sort(), [
      '200',
      '400',
      '401',
      '403',
      '404',
      '413',
      '415',
      '429',
    ]);
    assert.equal(
      op.responses['404'].content['application/json'].schema.$ref,
      '#/components/schemas/ErrorBody',
    );
    assert.deepEqual(op.security, [{ bearerAuth: [] }]);
    assert.deepEqual(op['x-required-roles'], ['admin']);
    assert.equal(op.operationId, 'putThingsThingId');
    assert.ok(doc.components.schemas.ErrorBody);
    assert.equal(doc.components.securitySchemes.bearerAuth.scheme, 'bearer');
  });

  it('renders an HTML index with escaped text', () => {
    const html = renderOpenApiHtml(registry.document());
    assert.match(html, /\/api\/v1\/things\/\{thingId\}/);
    assert.match(html, /Replace a &lt;thing&gt;/);
  });
});

describe('fieldIssues', () => {
  it('reports unknown keys on the key itself', () => {
    const result = z.strictObject({ a: z.string(), nested: z.strictObject({}) }).safeParse({
      a: 'x',
      b: 1,
      nested: { c: 2 },
    });
    assert.equal(result.success, false);
    assert.deepEqual(
      fieldIssues(result.error!, 'body')
        .map((i) => `${i.in}:${i.field}:${i.code}`)
        .sort(),
      ['body:b:unrecognized_keys', 'body:nested.c:unrecognized_keys'],
    );
  });
});
