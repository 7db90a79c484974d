import { Kafka, logLevel, type ITopicConfig } from 'kafkajs';

export interface TopicProvisioningOptions {
  brokers: string[];
  /** Topic names without the namespace. */
  topics: readonly string[];
  /** KAFKA_NAMESPACE: prefixed as `<namespace>.<topic>`, as the bus does. */
  namespace?: string;
  partitions: number;
  replicationFactor: number;
  /** `min.insync.replicas` of every topic; default min(2, replicationFactor). */
  minInsyncReplicas?: number;
  clientId?: string;
}

export interface ProvisionedTopic {
  topic: string;
  created: boolean;
  partitions: number;
}

/**
 * Creates every topic with explicit partitions, replication factor and `min.insync.replicas`, so no
 * topic is left to broker auto-creation. Idempotent: an existing topic is left as it is (and reported
 * with its partition count); rerunning after a partial failure creates the rest.
 */
export async function provisionTopics(options: TopicProvisioningOptions): Promise<ProvisionedTopic[]> {
  const kafka = new Kafka({
    brokers: options.brokers,
    clientId: options.clientId ?? 'ringback-topics',
    logLevel: logLevel.WARN,
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const name = (t: string) => (options.namespace ? `${options.namespace}.${t}` : t);
    const wanted = options.topics.map(name);
    const existing = new Set(await admin.listTopics());
    const minIsr = options.minInsyncReplicas ?? Math.min(2, options.replicationFactor);
    const missing: ITopicConfig[] = wanted
      .filter((t) => !existing.has(t))
      .map((topic) => ({
        topic,
        numPartitions: options.partitions,
        replicationFactor: options.replicationFactor,
        configEntries: [{ name: 'min.insync.replicas', value: String(minIsr) }],
      }));
    if (missing.length > 0) await admin.createTopics({ topics: missing, waitForLeaders: true });
    const { topics } = await admin.fetchTopicMetadata({ topics: wanted });
    const partitions = new Map(topics.map((t) => [t.name, t.partitions.length]));
    const created = new Set(missing.map((m) => m.topic));
    return wanted.map((topic) => ({
      topic,
      created: created.has(topic),
      partitions: partitions.get(topic) ?? 0,
    }));
  } finally {
    await admin.disconnect();
  }
}
