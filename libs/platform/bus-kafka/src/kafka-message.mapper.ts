import type { IHeaders, KafkaMessage } from 'kafkajs';
import { decodeEnvelope, type BusMessage } from '@ringback/platform-core';

/**
 * Kafka headers as the port's string map. Values arrive as Buffers; a header repeated on the
 * record arrives as an array, and the last one wins, as with the Java client's `lastHeader`.
 */
export function headersFromKafka(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    if (last !== undefined) out[name] = typeof last === 'string' ? last : last.toString('utf8');
  }
  return out;
}

export type DecodedRecord =
  | { ok: true; message: Omit<BusMessage, 'attempt'> }
  | { ok: false; error: string; key: string; value: string; headers: Record<string, string> };

/** A fetched record as a bus message, or why it cannot be one (it then goes straight to the DLQ). */
export function decodeRecord(topic: string, partition: number, record: KafkaMessage): DecodedRecord {
  const key = record.key?.toString('utf8') ?? '';
  const value = record.value?.toString('utf8') ?? '';
  const headers = headersFromKafka(record.headers);
  try {
    return {
      ok: true,
      message: { topic, key, envelope: decodeEnvelope(value), headers, partition, offset: record.offset },
    };
  } catch (error) {
    return {
      ok: false,
      error: `undecodable message: ${error instanceof Error ? error.message : String(error)}`,
      key,
      value,
      headers,
    };
  }
}

export interface PartitionOffsets {
  partition: number;
  /** Next offset to be written (high watermark). */
  high: number;
  /** Earliest retained offset. */
  low: number;
  /** Next offset the group will read; -1 when it has never committed. */
  committed: number;
}

/**
 * Messages the group still has to commit on one partition. Where it never committed, it owes
 * everything retained when it reads from the beginning, nothing when it starts at the end.
 */
export function partitionLag(p: PartitionOffsets, fromBeginning = true): number {
  const position = p.committed >= 0 ? p.committed : fromBeginning ? p.low : p.high;
  return Math.max(0, p.high - position);
}
