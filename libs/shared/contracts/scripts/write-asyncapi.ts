import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { renderAsyncApiYaml } from '../src/asyncapi/render-asyncapi';

// `npm run asyncapi`: regenerates the committed AsyncAPI document from the runtime schemas.
const target = path.join(__dirname, '..', 'asyncapi.yaml');
writeFileSync(target, renderAsyncApiYaml());
process.stdout.write(`wrote ${path.relative(process.cwd(), target)}\n`);
