import { createReadStream, statSync } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { devTokenOptionsFor, signDevToken } from '@ringback/auth';
import { loadConfig } from '@ringback/config';

// `npm run -s import:calls -- --file calls.csv [--url http://localhost:3000] [--token <admin JWT>]`:
// streams a historical call log to POST /api/v1/admin/imports/call-logs with a progress bar on
// stderr, then prints the outcome (imported, rejected lines with why) as JSON on stdout. Without
// --token it signs a development admin token with AUTH_JWT_SECRET (not with NODE_ENV=production).

const USAGE =
  'usage: npm run -s import:calls -- --file <calls.csv> [--url http://localhost:3000] [--token <admin JWT>]';

function fail(message: string, code: number): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

/** `[██████░░░░]  60%  6.0 MB of 10.0 MB` */
function progressBar(done: number, total: number, width = 30): string {
  const ratio = total > 0 ? Math.min(1, done / total) : 1;
  const filled = Math.round(ratio * width);
  const mb = (n: number) => `${(n / 1_048_576).toFixed(1)} MB`;
  return `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${String(Math.round(ratio * 100)).padStart(3)}%  ${mb(done)} of ${mb(total)}`;
}

async function main(): Promise<void> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      options: {
        file: { type: 'string' },
        url: { type: 'string' },
        token: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    fail(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`, 2);
  }
  if (values['help']) fail(USAGE, 0);
  const file = values['file'] as string | undefined;
  if (!file) fail(`--file is required\n${USAGE}`, 2);
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    fail(`cannot read ${file}`, 2);
  }
  const config = loadConfig(process.env);
  let token = values['token'] as string | undefined;
  if (!token) {
    if (process.env['NODE_ENV'] === 'production') fail('pass --token with NODE_ENV=production', 2);
    if (!config.auth.jwtSecret) fail('pass --token (AUTH_JWT_SECRET is not set)', 2);
    token = await signDevToken(
      { role: 'admin', sub: 'call-log-import' },
      config.auth.jwtSecret,
      devTokenOptionsFor(config.auth),
    );
  }
  const url = ((values['url'] as string | undefined) ?? `http://localhost:${config.http.port}`).replace(
    /\/+$/,
    '',
  );

  let sent = 0;
  const tty = process.stderr.isTTY;
  let lastShown = -1;
  const show = (force = false) => {
    const pct = Math.floor((sent / Math.max(size, 1)) * 100);
    if (!force && pct === lastShown) return;
    lastShown = pct;
    process.stderr.write(tty ? `\r${progressBar(sent, size)}` : `${progressBar(sent, size)}\n`);
  };
  const counting = new Transform({
    transform(chunk: Buffer, _enc, done) {
      sent += chunk.length;
      show();
      done(null, chunk);
    },
  });
  const body = Readable.toWeb(createReadStream(file).pipe(counting)) as ReadableStream<Uint8Array>;
  const res = await fetch(
    `${url}/api/v1/admin/imports/call-logs?fileName=${encodeURIComponent(path.basename(file))}`,
    {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
      body,
      duplex: 'half',
    } as RequestInit,
  );
  show(true);
  if (tty) process.stderr.write('\n');
  const text = await res.text();
  if (res.status !== 201) fail(`import refused: ${res.status} ${text}`, 1);
  const summary = JSON.parse(text) as { imported: number; rejected: number; rows: number };
  process.stderr.write(
    `imported ${summary.imported} of ${summary.rows} rows; ${summary.rejected} rejected\n`,
  );
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
}

if (require.main === module)
  main().catch((error: unknown) =>
    fail(`import failed: ${error instanceof Error ? error.message : String(error)}`, 1),
  );
