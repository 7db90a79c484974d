/** Stream categories this service owns (it alone appends to `<category>-<id>` streams). */
export const REMINDERS_STREAM_CATEGORIES = ['reminder', 'contact_preference'] as const;
export * from './plan/reminder-plan';
export * from './sequence/reminder-sequence.decider';
export * from './messages/outbound-message.decider';
export * from './replies/reply-intent';
export * from './templates/message-templates';
export * from './replies/phone-key';
