export * from './triage.module';
export * from './open-task.consumer';
export * from './tasks.projection';
export * from './tasks.read-model';
export * from './tasks.http.controller';
export * from './tasks.views';
