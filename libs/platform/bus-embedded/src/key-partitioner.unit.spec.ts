import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { murmur2, partitionForKey } from './key-partitioner';

// Reference values from kafkajs' Java-compatible murmur2 (its default partitioner).
const vectors: [string, number, number, number][] = [
  ['', 275646681, 0, 9],
  ['a', -1563381124, 1, 4],
  ['ab', 316155434, 2, 2],
  ['abc', 479470107, 0, 3],
  ['abcd', -1323649548, 2, 8],
  ['thing-1', -2017102803, 2, 5],
  ['task-0193d1c2-aaaa', 460022497, 1, 1],
  ['ключ-ü', -1722112641, 2, 11],
];

describe('key partitioner', () => {
  it('hashes like Kafka (murmur2, seed 0x9747b28c) for every tail length and multi-byte UTF-8', () => {
    for (const [key, hash] of vectors) assert.equal(murmur2(Buffer.from(key, 'utf8')), hash, key);
  });

  it('maps a key to the partition Kafka would pick', () => {
    for (const [key, , of3, of12] of vectors) {
      assert.equal(partitionForKey(key, 3), of3, key);
      assert.equal(partitionForKey(key, 12), of12, key);
    }
  });

  it('spreads keys over all partitions', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 100; i++) seen.add(partitionForKey(`thing-${i}`, 3));
    assert.deepEqual([...seen].sort(), [0, 1, 2]);
  });
});
