export * from './call-ingest.module';
export * from './locations';
export * from './calls';
