export * from './reporting.module';
export * from './facts/reporting-facts.projection';
export * from './kpis/reports.http.controller';
export * from './imports/call-log.importer';
