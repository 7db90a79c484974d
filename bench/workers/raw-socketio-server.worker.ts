// Baseline server: bare socket.io (same version as the gateway), clients join the room named in their
// query; on {type:'broadcast', rate, durationMs} it emits {sentAt} to every room `rate` times a second.
import http from 'node:http';
import { Server } from 'socket.io';

const server = http.createServer();
const ioServer = new Server(server, { transports: ['websocket'] });
ioServer.on('connection', (socket) => {
  const room = String(socket.handshake.query['room'] ?? 'all');
  void socket.join(room);
  socket.emit('joined');
});
const rooms = () =>
  [...ioServer.of('/').adapter.rooms.keys()].filter((r) => !ioServer.of('/').sockets.has(r));

process.on('message', (raw) => {
  const msg = raw as { type: string; rate: number; durationMs: number };
  if (msg.type !== 'broadcast') return;
  const started = performance.now();
  let sent = 0;
  const names = rooms();
  const timer = setInterval(() => {
    const due = Math.floor(((performance.now() - started) / 1000) * msg.rate);
    while (sent < due) {
      sent += 1;
      const room = names[sent % names.length]!;
      ioServer.to(room).emit('raw', { sentAt: performance.timeOrigin + performance.now() });
    }
    if (performance.now() - started >= msg.durationMs) {
      clearInterval(timer);
      process.send?.({ type: 'broadcasted', sent });
    }
  }, 2);
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.send?.({ type: 'ready' });
  process.send?.({ type: 'listening', url: `http://127.0.0.1:${port}` });
});
process.on('SIGTERM', () => {
  void ioServer.close();
  process.exit(0);
});
// The parent went away (killed, or crashed): nothing left to serve.
process.on('disconnect', () => process.exit(1));
