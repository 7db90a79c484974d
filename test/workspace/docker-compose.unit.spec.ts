import { it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

// No Docker engine here to run it; this keeps the file parseable and in step with the test scripts.
it('docker-compose.yml provides the distributed-mode infrastructure on the documented ports', () => {
  const doc = parse(readFileSync(path.resolve(__dirname, '../../docker-compose.yml'), 'utf8')) as {
    services: Record<string, { image: string; ports: string[] }>;
  };
  assert.deepEqual(Object.keys(doc.services).sort(), ['kafka', 'kurrentdb', 'mongodb']);
  const pom = readFileSync(path.resolve(__dirname, '../infra/kafka/pom.xml'), 'utf8');
  const kafkaVersion = /<kafka.version>([^<]+)</.exec(pom)?.[1];
  assert.equal(doc.services['kafka']!.image, `apache/kafka:${kafkaVersion}`, 'same Kafka as the tests');
  assert.deepEqual(doc.services['kafka']!.ports, ['127.0.0.1:39092:9092']);
  assert.deepEqual(doc.services['mongodb']!.ports, ['127.0.0.1:37017:27017']);
  assert.deepEqual(doc.services['kurrentdb']!.ports, ['127.0.0.1:2113:2113']);
});
