import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { serviceFor, type RouteTable } from './routes';

export interface RunningProxy {
  url: string;
  /** Every WebSocket upgrade and the upstream it went to, in order. */
  upgrades: { path: string; upstream: string }[];
  close(): Promise<void>;
}

/**
 * The edge of the distributed topology: one HTTP origin that sends each request to the service the
 * route table names (round robin over its replicas), WebSocket upgrades included, so browsers and
 * socket.io clients see one site as they would behind the Ingress. No sticky sessions: the wallboard
 * client speaks websocket only.
 */
export async function startTopologyProxy(
  table: RouteTable,
  upstreams: Record<string, string[]>,
  options: { port?: number; host?: string } = {},
): Promise<RunningProxy> {
  const turn = new Map<string, number>();
  const pick = (url: string): URL | undefined => {
    const service = serviceFor(table, url);
    const replicas = upstreams[service] ?? [];
    if (replicas.length === 0) return undefined;
    const n = turn.get(service) ?? 0;
    turn.set(service, n + 1);
    return new URL(replicas[n % replicas.length]!);
  };
  const badGateway = (res: http.ServerResponse, message: string) => {
    if (res.headersSent) return res.destroy();
    res.writeHead(502, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { code: 'bad_gateway', message, details: [] } }));
  };

  const server = http.createServer((req, res) => {
    const target = pick(req.url ?? '/');
    if (!target) return badGateway(res, `no upstream for ${req.url}`);
    const upstream = http.request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: {
          ...req.headers,
          'x-forwarded-for': req.socket.remoteAddress ?? '',
          'x-forwarded-host': req.headers.host ?? '',
          'x-forwarded-proto': 'http',
        },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', (error) => badGateway(res, error.message));
    req.pipe(upstream);
  });

  // Upgraded connections leave the server's bookkeeping: close() has to end them itself.
  const tunnels = new Set<net.Socket>();
  const upgrades: { path: string; upstream: string }[] = [];
  server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    const target = pick(req.url ?? '/');
    if (!target) return socket.destroy();
    tunnels.add(socket);
    upgrades.push({ path: req.url ?? '/', upstream: target.origin });
    socket.on('close', () => tunnels.delete(socket));
    const upstream = net.connect(Number(target.port), target.hostname, () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2)
        lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head.length > 0) upstream.write(head);
      socket.pipe(upstream).pipe(socket);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
    socket.on('close', () => upstream.destroy());
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    upgrades,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of tunnels) socket.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
