import { Kafka, logLevel } from 'kafkajs';
import { ringbackTopics, TASK_VIEW_CATEGORY, topicForCategory } from '@ringback/contracts';

/** How often each event id is on the event topics of one installation (`<namespace>.ringback.*.events`). */
export interface TopicCensus {
  /** eventId -> messages carrying it, over every event topic. */
  counts: Map<string, number>;
  messages: number;
}

/**
 * Reads every event topic of a namespace from the beginning up to its high watermark at call time (a
 * consumer of its own, assigned every partition, committing nothing) and counts the messages per
 * eventId. Dead-letter topics and the derived projection-update stream (`task_view`, not stored
 * events) are left out.
 */
export async function topicCensus(brokers: string[], namespace: string): Promise<TopicCensus> {
  const kafka = new Kafka({ clientId: `census-${process.pid}`, brokers, logLevel: logLevel.NOTHING });
  const topics = ringbackTopics()
    .filter((t) => !t.endsWith('.dlq') && t !== topicForCategory(TASK_VIEW_CATEGORY))
    .map((t) => `${namespace}.${t}`);
  const admin = kafka.admin();
  await admin.connect();
  const remaining = new Map<string, number>();
  try {
    for (const topic of topics)
      for (const o of await admin.fetchTopicOffsets(topic)) {
        const low = Number(o.low);
        const high = Number(o.high);
        if (high > low) remaining.set(`${topic}/${o.partition}`, high);
      }
  } finally {
    await admin.disconnect();
  }
  const counts = new Map<string, number>();
  let messages = 0;
  if (remaining.size === 0) return { counts, messages };
  const consumer = kafka.consumer({ groupId: `census-${process.pid}-${Date.now()}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ topic, partition, message }) => {
            const key = `${topic}/${partition}`;
            const high = remaining.get(key);
            if (high === undefined || Number(message.offset) >= high) return;
            const envelope = JSON.parse(message.value?.toString('utf8') ?? '{}') as { eventId?: string };
            if (envelope.eventId) counts.set(envelope.eventId, (counts.get(envelope.eventId) ?? 0) + 1);
            messages += 1;
            if (Number(message.offset) >= high - 1) remaining.delete(key);
            if (remaining.size === 0) resolve();
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return { counts, messages };
}
