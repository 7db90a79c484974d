import { Global, Module } from '@nestjs/common';
import { AuthModule } from '@ringback/auth';
import { PhiAdminHttpController } from './phi-admin.http.controller';
import { PhiAuditInterceptor, PhiAuditLog } from './phi-audit';
import { PhiErasureService } from './phi-erasure.service';
import { PhiOpenApi } from './phi.openapi';
import { PhiRetentionService } from './phi-retention.service';

/**
 * Privacy in every process: the erase-request API, the retention loop and the PHI audit log (its
 * interceptor behind `@AuditPhiRead`, its export). Needs PHI_KEY_STORE, PHI_CODEC and
 * PHI_READ_MODEL_REBUILDER, which PlatformRuntimeModule provides.
 */
@Global()
@Module({
  imports: [AuthModule],
  controllers: [PhiAdminHttpController],
  providers: [PhiErasureService, PhiRetentionService, PhiAuditLog, PhiAuditInterceptor, PhiOpenApi],
  exports: [PhiErasureService, PhiRetentionService, PhiAuditLog, PhiAuditInterceptor],
})
export class PhiModule {}
