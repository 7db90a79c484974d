export * from './triage.module';
