export * from './reminders.module';
