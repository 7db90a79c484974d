export * from './call-ingest.module';
