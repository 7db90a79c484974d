import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';
import { requireInfra, uniqueSuffix } from '@ringback/testing';
import { provisionTopics } from './topic-provisioning';

describe('provisionTopics on the real Kafka broker', () => {
  it('creates every topic with its partitions and min.insync.replicas, once', async (t) => {
    const brokers = requireInfra(t, 'kafka');
    if (!brokers) return;
    const namespace = `prov-${uniqueSuffix()}`.replace(/[^a-zA-Z0-9_-]/g, '');
    const topics = ['ringback.alpha.events', 'ringback.alpha.events.dlq', 'ringback.beta.events'];
    const options = { brokers, topics, namespace, partitions: 2, replicationFactor: 1 };
    const first = await provisionTopics(options);
    assert.deepEqual(
      first.map((x) => [x.topic, x.created, x.partitions]),
      topics.map((topic) => [`${namespace}.${topic}`, true, 2]),
    );
    const again = await provisionTopics({ ...options, partitions: 5 });
    assert.deepEqual(
      again.map((x) => [x.created, x.partitions]),
      topics.map(() => [false, 2]),
      'existing topics are left as they are',
    );
    const admin = new Kafka({ brokers, clientId: 'prov-check', logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const described = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [
          {
            type: ConfigResourceTypes.TOPIC,
            name: `${namespace}.${topics[0]}`,
            configNames: ['min.insync.replicas'],
          },
        ],
      });
      assert.equal(described.resources[0]?.configEntries[0]?.configValue, '1');
    } finally {
      await admin.disconnect();
    }
  });
});
