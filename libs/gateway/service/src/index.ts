export * from './gateway.module';
export * from './live/live-queue.state';
export * from './live/wallboard.socket-server';
