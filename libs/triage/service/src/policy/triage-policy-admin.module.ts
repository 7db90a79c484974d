import { Module } from '@nestjs/common';
import { AuthModule } from '@ringback/auth';
import { PlatformModule } from '@ringback/nest-platform';
import { ConfigureTriagePolicyHandler } from './configure-triage-policy.handler';
import { TriagePolicyHttpController } from './triage-policy.http.controller';
import { TriagePolicyOpenApi } from './triage-policy.openapi';

/**
 * Triage-policy administration (`/api/v1/admin/triage-policy`): policy changes as
 * `TriagePolicyChanged` events on `triage_policy-default`, which the triage consumer reads for every
 * call it triages. Needs the platform ports (EVENT_STORE, CLOCK, ID_GENERATOR) of the process.
 */
@Module({
  imports: [PlatformModule, AuthModule],
  controllers: [TriagePolicyHttpController],
  providers: [ConfigureTriagePolicyHandler, TriagePolicyOpenApi],
  exports: [ConfigureTriagePolicyHandler],
})
export class TriagePolicyAdminModule {}
