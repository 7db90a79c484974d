export * from './reminders.module';
export * from './reminders.projection';
export * from './reminders-scheduling.consumer';
export * from './outbox/message.dispatcher';
export * from './inbound/inbound-messages.handler';
export * from './channel/message-channel.port';
export * from './channel/embedded-outbox.channel';
export * from './channel/twilio.channel';
