export * from './sla-monitor.module';
