import { Module } from '@nestjs/common';
import type { RingbackConfig } from '@ringback/config';
import { RINGBACK_CONFIG } from '@ringback/nest-platform';
import { AuthGuard } from './auth.guard';
import { TOKEN_VERIFIER, createTokenVerifier } from './verify';

/**
 * User authentication for service modules: the {@link TOKEN_VERIFIER} built from `config.auth`
 * and the {@link AuthGuard} behind `@Authenticated()`. Import it where guarded controllers live.
 */
@Module({
  providers: [
    {
      provide: TOKEN_VERIFIER,
      useFactory: (config: RingbackConfig) => createTokenVerifier(config.auth),
      inject: [RINGBACK_CONFIG],
    },
    AuthGuard,
  ],
  exports: [TOKEN_VERIFIER, AuthGuard],
})
export class AuthModule {}
