import {
  Inject,
  Injectable,
  Module,
  Optional,
  type BeforeApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { AuthModule, WebhookSignatureGuard } from '@ringback/auth';
import type { RingbackConfig } from '@ringback/config';
import { CLOCK, type Clock } from '@ringback/kernel';
import {
  PlatformModule,
  READINESS,
  RINGBACK_CONFIG,
  StreamCommands,
  type ReadinessRegistry,
} from '@ringback/nest-platform';
import { EmbeddedOutboxChannel } from './channel/embedded-outbox.channel';
import { MESSAGE_CHANNEL, type MessageChannel } from './channel/message-channel.port';
import { TwilioMessageChannel } from './channel/twilio.channel';
import { InboundMessagesHandler } from './inbound/inbound-messages.handler';
import { MessageDispatcher } from './outbox/message.dispatcher';
import { InboundMessagesHttpController, OutboxHttpController } from './reminders.http.controller';
import { RemindersOpenApi } from './reminders.openapi';
import { REMINDERS_SCHEDULING_GROUP_ID, RemindersSchedulingConsumer } from './reminders-scheduling.consumer';
import { RemindersStore } from './reminders-store';

/** The channel MESSAGE_CHANNEL names: the embedded outbox under DATA_DIR, or Twilio. */
export function createMessageChannel(config: RingbackConfig, clock: Clock): MessageChannel {
  if (config.messages.channel === 'twilio') {
    const { accountSid, authToken, fromNumber, apiBaseUrl } = config.twilio;
    if (!accountSid || !authToken || !fromNumber)
      throw new Error(
        'MESSAGE_CHANNEL=twilio needs TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM_NUMBER',
      );
    return new TwilioMessageChannel({
      accountSid,
      authToken,
      fromNumber,
      apiBaseUrl,
      publicBaseUrl: config.publicBaseUrl,
    });
  }
  return new EmbeddedOutboxChannel(config.dataDir, () => clock.now());
}

/** Starts the scheduling consumer and the dispatcher with the module; stops them, then closes the channel. */
@Injectable()
export class RemindersLifecycle implements OnModuleInit, BeforeApplicationShutdown {
  constructor(
    @Inject(RemindersSchedulingConsumer) private readonly consumer: RemindersSchedulingConsumer,
    @Inject(MessageDispatcher) private readonly dispatcher: MessageDispatcher,
    @Inject(MESSAGE_CHANNEL) private readonly channel: MessageChannel,
    @Optional() @Inject(READINESS) private readonly readiness?: ReadinessRegistry,
    @Optional() @Inject(RINGBACK_CONFIG) private readonly config?: RingbackConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.consumer.start();
    this.dispatcher.start();
    this.readiness?.registerLagCheck(
      REMINDERS_SCHEDULING_GROUP_ID,
      () => this.consumer.lag(),
      this.config?.readiness.maxLag ?? 100,
      'slot and waitlist-offer events',
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.dispatcher.stop();
    await this.consumer.stop();
    await this.channel.close?.();
  }
}

/**
 * reminders: the messages of every booking (confirmation, 48 h and 24 h reminders with a reschedule
 * link, same-day check-in instructions) in the patient's language, channel and best window, never in
 * quiet hours; waitlist offers and their outcomes; two-way SMS (confirm, cancel, reschedule,
 * STOP/START/HELP); follow-up tasks for unanswered reminders, high-risk patients and reschedule
 * requests; a channel port with the embedded outbox and Twilio. Every message is sent at most once,
 * and exactly once through the outbox, across crashes and redelivery.
 */
@Module({
  imports: [PlatformModule, AuthModule],
  controllers: [InboundMessagesHttpController, OutboxHttpController],
  providers: [
    StreamCommands,
    RemindersStore,
    RemindersSchedulingConsumer,
    MessageDispatcher,
    InboundMessagesHandler,
    WebhookSignatureGuard,
    RemindersOpenApi,
    RemindersLifecycle,
    {
      provide: MESSAGE_CHANNEL,
      inject: [RINGBACK_CONFIG, CLOCK],
      useFactory: (config: RingbackConfig, clock: Clock) => createMessageChannel(config, clock),
    },
  ],
  exports: [RemindersSchedulingConsumer, MessageDispatcher, InboundMessagesHandler, MESSAGE_CHANNEL],
})
export class RemindersModule {}
