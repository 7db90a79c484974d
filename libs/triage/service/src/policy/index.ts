export { TriagePolicyAdminModule } from './triage-policy-admin.module';
export * from './configure-triage-policy.handler';
export { TriagePolicyHttpController, expectedVersionOf } from './triage-policy.http.controller';
export * from './triage-policy.views';
