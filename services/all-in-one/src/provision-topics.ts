import { parseArgs } from 'node:util';
import { provisionTopics } from '@ringback/bus-kafka';
import { loadConfig } from '@ringback/config';
import { ringbackTopics } from '@ringback/contracts';

// `npm run -s topics:provision -- [--replication-factor N] [--min-insync-replicas N]`: create every
// topic of the event catalogue (and its dead-letter topic) on KAFKA_BROKERS with KAFKA_TOPIC_PARTITIONS
// partitions under KAFKA_NAMESPACE, before the services start (the Helm hook Job, the compose init
// container and the distributed topology run it). Existing topics are left alone.
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'replication-factor': { type: 'string', default: '1' },
      'min-insync-replicas': { type: 'string' },
    },
  });
  const config = loadConfig({ ...process.env, SERVICE_NAME: 'topics-provision' });
  if (config.kafka.brokers.length === 0) throw new Error('KAFKA_BROKERS is not set');
  const whole = (name: string, raw: string | undefined): number | undefined => {
    if (raw === undefined) return undefined;
    if (!/^[1-9]\d*$/.test(raw)) throw new Error(`--${name} must be a positive whole number (got ${raw})`);
    return Number(raw);
  };
  const replicationFactor = whole('replication-factor', values['replication-factor']) ?? 1;
  const minInsyncReplicas = whole('min-insync-replicas', values['min-insync-replicas']);
  const topics = await provisionTopics({
    brokers: config.kafka.brokers,
    topics: ringbackTopics(),
    ...(config.kafka.namespace ? { namespace: config.kafka.namespace } : {}),
    partitions: config.kafka.topicPartitions,
    replicationFactor,
    ...(minInsyncReplicas === undefined ? {} : { minInsyncReplicas }),
  });
  for (const t of topics)
    process.stdout.write(`${t.created ? 'created' : 'exists '} ${t.topic} (${t.partitions} partitions)\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `topics:provision failed: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
