import {
  ANY,
  BACKWARDS,
  END,
  NO_STREAM,
  START,
  STREAM_EXISTS,
  StreamNotFoundError,
  WrongExpectedVersionError,
  type AppendStreamState,
  type Direction,
  type EventData,
  type Filter,
  type KurrentDBClient,
  type Position,
  type ReadPosition,
  type ReadRevision,
} from '@kurrent/kurrentdb-client';

interface LogEntry {
  streamId: string;
  revision: bigint;
  id: string;
  type: string;
  data: string;
  metadata: string;
  created: Date;
  position: bigint;
}

/**
 * A small in-process model of the parts of KurrentDB the adapter uses, so the adapter's own logic
 * (idempotency look-up, position handling, filtering, subscription loop) runs without a server. It
 * mimics what matters: sparse $all positions with commit == prepare, interleaved system events,
 * StreamNotFoundError on missing streams, WrongExpectedVersionError, readAll starting *at* its
 * fromPosition (inclusive) while subscriptions start after it. It is a model, not KurrentDB: the
 * container suite is the real check.
 */
export class ModelKurrentDbClient {
  private readonly log: LogEntry[] = [];
  private nextPosition = 1_000n;
  private readonly listeners = new Set<() => void>();

  asClient(): KurrentDBClient {
    return this as unknown as KurrentDBClient;
  }

  async appendToStream(
    streamName: string,
    events: EventData | EventData[],
    options: { streamState?: AppendStreamState } = {},
  ): Promise<{ success: true; nextExpectedRevision: bigint; position: Position }> {
    await Promise.resolve(); // a network round trip: concurrent callers interleave here
    const batch = Array.isArray(events) ? events : [events];
    const state = options.streamState ?? ANY;
    const current = this.streamEntries(streamName).at(-1)?.revision;
    const ok =
      state === ANY ||
      (state === NO_STREAM && current === undefined) ||
      (state === STREAM_EXISTS && current !== undefined) ||
      state === current;
    if (!ok) {
      throw new WrongExpectedVersionError(undefined, {
        streamName,
        expected: state,
        current: current ?? NO_STREAM,
      });
    }
    this.write('$stats-node', '$statsCollected', {}); // the server's own chatter between user writes
    let revision = current ?? -1n;
    let last: LogEntry | undefined;
    for (const e of batch) {
      revision++;
      last = this.write(streamName, e.type, e.data, e.metadata, e.id, revision);
    }
    for (const l of this.listeners) l();
    return {
      success: true,
      nextExpectedRevision: revision,
      position: { commit: last!.position, prepare: last!.position },
    };
  }

  readStream(
    streamName: string,
    options: { direction?: Direction; fromRevision?: ReadRevision; maxCount?: number | bigint } = {},
  ): AsyncIterableIterator<{ event: ReturnType<typeof toEvent> }> {
    const entries = this.streamEntries(streamName);
    const backwards = options.direction === BACKWARDS;
    const from = options.fromRevision ?? (backwards ? END : START);
    let selected = backwards
      ? entries.filter((e) => from === END || from === START || e.revision <= from).reverse()
      : entries.filter((e) => from === START || (from !== END && e.revision >= from));
    selected = selected.slice(0, Number(options.maxCount ?? Number.MAX_SAFE_INTEGER));
    return (async function* () {
      await Promise.resolve();
      if (entries.length === 0) throw new StreamNotFoundError(undefined, streamName);
      for (const e of selected) yield { event: toEvent(e) };
    })();
  }

  readAll(
    options: {
      direction?: Direction;
      fromPosition?: ReadPosition;
      maxCount?: number | bigint;
      filter?: Filter;
    } = {},
  ): AsyncIterableIterator<{ event: ReturnType<typeof toEvent> }> {
    const backwards = options.direction === BACKWARDS;
    const from = options.fromPosition ?? (backwards ? END : START);
    let selected = this.log.filter((e) => matches(e, options.filter));
    if (backwards) {
      selected = selected
        .filter((e) => from === END || from === START || e.position <= from.commit)
        .reverse();
    } else {
      selected = selected.filter((e) => from === START || (from !== END && e.position >= from.commit));
    }
    selected = selected.slice(0, Number(options.maxCount ?? Number.MAX_SAFE_INTEGER));
    return (async function* () {
      await Promise.resolve();
      for (const e of selected) yield { event: toEvent(e) };
    })();
  }

  subscribeToAll(options: { fromPosition?: ReadPosition; filter?: Filter } = {}): {
    unsubscribe(): Promise<void>;
    [Symbol.asyncIterator](): AsyncIterator<{ event: ReturnType<typeof toEvent> }>;
  } {
    const from = options.fromPosition ?? START;
    let cursor = from === START ? -1n : from === END ? (this.log.at(-1)?.position ?? -1n) : from.commit;
    let closed = false;
    let wake: (() => void) | undefined;
    const listener = (): void => wake?.();
    this.listeners.add(listener);
    const log = this.log;
    const listeners = this.listeners;
    const iterate = async function* (): AsyncGenerator<{ event: ReturnType<typeof toEvent> }> {
      try {
        while (!closed) {
          const next = log.find((e) => e.position > cursor && matches(e, options.filter));
          if (!next) {
            await new Promise<void>((r) => (wake = r));
            continue;
          }
          cursor = next.position;
          yield { event: toEvent(next) };
        }
      } finally {
        listeners.delete(listener);
      }
    };
    return {
      unsubscribe: async () => {
        closed = true;
        listeners.delete(listener);
        wake?.();
      },
      [Symbol.asyncIterator]: () => iterate(),
    };
  }

  dispose(): Promise<void> {
    return Promise.resolve();
  }

  private streamEntries(streamId: string): LogEntry[] {
    return this.log.filter((e) => e.streamId === streamId);
  }

  private write(
    streamId: string,
    type: string,
    data: unknown,
    metadata?: unknown,
    id: string = crypto.randomUUID(),
    revision?: bigint,
  ): LogEntry {
    const entry: LogEntry = {
      streamId,
      revision: revision ?? BigInt(this.streamEntries(streamId).length),
      id,
      type,
      data: JSON.stringify(data),
      metadata: metadata === undefined ? '' : JSON.stringify(metadata),
      created: new Date(),
      position: this.nextPosition,
    };
    this.log.push(entry);
    // sparse, like byte offsets in a transaction file
    this.nextPosition += 137n + BigInt(entry.data.length + entry.metadata.length);
    return entry;
  }
}

function matches(e: LogEntry, filter: Filter | undefined): boolean {
  if (!filter) return true;
  const subject = filter.filterOn === 'streamName' ? e.streamId : e.type;
  return 'prefixes' in filter
    ? filter.prefixes.some((p) => subject.startsWith(p))
    : new RegExp(filter.regex).test(subject);
}

function toEvent(e: LogEntry) {
  return {
    streamId: e.streamId,
    id: e.id,
    isJson: true as const,
    revision: e.revision,
    type: e.type,
    created: e.created,
    data: JSON.parse(e.data) as unknown,
    metadata: e.metadata === '' ? undefined : (JSON.parse(e.metadata) as unknown),
    position: { commit: e.position, prepare: e.position },
  };
}
