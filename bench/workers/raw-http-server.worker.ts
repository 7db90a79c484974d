// Baseline server: bare node:http on loopback answering every POST 202 with a taskId, after reading
// the whole body. The transport's limit for the same load generator and the same signed bodies.
import http from 'node:http';
import { randomUUID } from 'node:crypto';

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    JSON.parse(Buffer.concat(chunks).toString());
    const body = JSON.stringify({ taskId: randomUUID() });
    res.writeHead(202, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.send?.({ type: 'ready' });
  process.send?.({ type: 'listening', url: `http://127.0.0.1:${port}` });
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
// The parent went away (killed, or crashed): nothing left to serve.
process.on('disconnect', () => process.exit(1));
