export * from './call-ingest.module';
export * from './locations';
