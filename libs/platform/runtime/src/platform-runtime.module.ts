import {
  Inject,
  Module,
  type DynamicModule,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import {
  BUS,
  CHECKPOINT_STORE,
  PROJECTION_CHANGES,
  ProjectionChanges,
  EVENT_STORE,
  READ_MODEL_STORE,
  StoreToBusRelay,
  type BusConsumer,
  type BusMessage,
} from '@ringback/platform-core';
import { PHI_ERASURE_CATEGORY, PHI_RETENTION_CATEGORY, topicForCategory } from '@ringback/contracts';
import { READINESS, RINGBACK_CONFIG, type ReadinessRegistry } from '@ringback/nest-platform';
import type { RingbackConfig } from '@ringback/config';
import {
  CLOCK,
  ID_GENERATOR,
  SystemClock,
  UuidV7Generator,
  type Clock,
  type IdGenerator,
} from '@ringback/kernel';
import type { EventRegistry } from '@ringback/contracts';
import type { Projection, ProjectionRunner } from '@ringback/platform-core';
import { PHI_CODEC, PHI_KEY_STORE, PHI_READ_MODEL_REBUILDER, PhiModule } from '@ringback/phi';
import type { PlatformAdapters } from './platform-adapters';
import { followPhiKeyDestruction } from './phi-key-destruction.follower';
import { startProjections } from './projections';

export interface PlatformRuntimeOptions {
  /** Projections this process keeps up to date; started (or rebuilt) at boot. */
  projections?: readonly Projection[];
  /** Upcasts events before projections see them. */
  registry?: EventRegistry;
  /** Provided as CLOCK (default: the system clock); tests pass a VirtualClock. */
  clock?: Clock;
  /** Provided as ID_GENERATOR (default: UUIDv7 on the CLOCK). */
  ids?: IdGenerator;
  /**
   * What this process's store-to-bus relay publishes. Absent: every category, on the checkpoint
   * `store-to-bus-relay` (the embedded composition, the only process). In a distributed deployment
   * each service root names the categories it owns (the streams it writes) under a checkpoint of its
   * own, so every stored event is published by exactly one process; `false`: no relay (a process that
   * owns no stream, such as the gateway).
   */
  relay?: RelayOwnership | false;
  /**
   * The service name of a process that runs beside others (a distributed deployment): its read models
   * are rebuilt whenever any process records an erasure (PatientDataErased from the bus, consumer group
   * `<name>.phi-erasures`) or a retention run (PhiRetentionApplied, group `<name>.phi-retention`),
   * since the process that destroyed the keys rebuilds only its own. Unset in the embedded
   * composition, where that process is the only one.
   */
  rebuildOnErasure?: string;
}

/** The stream categories one process relays to the bus, and the name of its relay's checkpoint. */
export interface RelayOwnership {
  /** Names the checkpoint `store-to-bus-relay.<owner>` (the service). */
  owner: string;
  categories: readonly string[];
}

const PLATFORM_ADAPTERS = Symbol.for('ringback.PlatformAdapters');
const RUNTIME_OPTIONS = Symbol.for('ringback.PlatformRuntimeOptions');
export const STORE_TO_BUS_RELAY = Symbol.for('ringback.StoreToBusRelay');
/** The projection runners this process started (filled at module init), e.g. to await them in tests. */
export const PROJECTION_RUNNERS = Symbol.for('ringback.ProjectionRunners');

/** Starts the relay, reports readiness of the stores, and closes everything on shutdown. */
class PlatformLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(PROJECTION_RUNNERS) private readonly runners: ProjectionRunner[],
    @Inject(PROJECTION_CHANGES) private readonly changes: ProjectionChanges,
    @Inject(RUNTIME_OPTIONS) private readonly options: PlatformRuntimeOptions,
    @Inject(PLATFORM_ADAPTERS) private readonly adapters: PlatformAdapters,
    @Inject(STORE_TO_BUS_RELAY) private readonly relay: StoreToBusRelay | null,
    @Inject(READINESS) private readonly readiness: ReadinessRegistry,
    @Inject(RINGBACK_CONFIG) private readonly config: RingbackConfig,
  ) {}

  private erasures: BusConsumer | undefined;
  private retentions: BusConsumer | undefined;

  async onModuleInit(): Promise<void> {
    await this.relay?.start();
    const projections = this.options.projections ?? [];
    const started = await startProjections({
      changes: this.changes,
      eventStore: this.adapters.eventStore,
      readModels: this.adapters.readModels,
      projections,
      ...(this.options.registry ? { registry: this.options.registry } : {}),
    });
    this.runners.push(...started);
    if (projections.length > 0) {
      this.readiness.registerCheck('projections', async () => {
        const maxLag = this.config.readiness.maxLag;
        const behind: string[] = [];
        for (const p of projections) {
          const at = (await this.adapters.readModels.getCheckpoint(p.id))?.position ?? 0n;
          // Counted in the projection's own categories: its checkpoint only moves on events it reads,
          // so the global head would call a caught-up projection behind after a burst of other traffic.
          const pending = await this.adapters.eventStore.readAll({
            fromPosition: at,
            maxCount: maxLag + 1,
            ...(p.categories ? { categories: p.categories } : {}),
          });
          if (pending.length > maxLag) behind.push(`${p.id} more than ${maxLag} events behind`);
        }
        return behind.length === 0 ? { ok: true } : { ok: false, detail: behind.join('; ') };
      });
    }
    const service = this.options.rebuildOnErasure;
    if (service && projections.length > 0) {
      const follow = async (message: BusMessage) => {
        await followPhiKeyDestruction(message.envelope, this.adapters.phi.keys, this.runners);
      };
      this.erasures = await this.adapters.bus.consume({
        groupId: `${service}.phi-erasures`,
        topics: [topicForCategory(PHI_ERASURE_CATEGORY)],
        handler: follow,
      });
      // A group of its own, from now on: retention runs recorded before it existed would each be a
      // full rebuild at its first start (one per day of history); `npm run projections:rebuild`
      // applies them at once.
      this.retentions = await this.adapters.bus.consume({
        groupId: `${service}.phi-retention`,
        topics: [topicForCategory(PHI_RETENTION_CATEGORY)],
        handler: follow,
        fromBeginning: false,
      });
    }
    this.readiness.registerCheck('event-store', async () => {
      await this.adapters.eventStore.headPosition();
      return { ok: true };
    });
    this.readiness.registerCheck('read-models', async () => {
      await this.adapters.readModels.getCheckpoint('readiness-probe');
      return { ok: true };
    });
    const relay = this.relay;
    if (relay) {
      const categories = this.options.relay ? [...this.options.relay.categories] : undefined;
      this.readiness.registerCheck('store-to-bus-relay', async () => {
        const maxLag = this.config.readiness.maxLag;
        if (!categories) {
          const head = await this.adapters.eventStore.headPosition();
          const at = relay.position ?? 0n;
          const behind = head > at ? head - at : 0n;
          return behind <= BigInt(maxLag)
            ? { ok: true }
            : { ok: false, detail: `${behind} positions behind the event store` };
        }
        // Counted in its own categories: its position only moves on the events it relays.
        const pending = await this.adapters.eventStore.readAll({
          fromPosition: relay.position ?? 0n,
          maxCount: maxLag + 1,
          categories,
        });
        return pending.length <= maxLag
          ? { ok: true }
          : { ok: false, detail: `more than ${maxLag} events of its categories not yet relayed` };
      });
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.erasures?.stop();
    await this.retentions?.stop();
    for (const runner of this.runners) await runner.stop();
    await this.relay?.stop();
    await this.adapters.close();
  }
}

/**
 * Nest face of the platform adapters: provides the port tokens (EVENT_STORE, BUS, READ_MODEL_STORE,
 * CHECKPOINT_STORE), the CLOCK and ID_GENERATOR to every service module of the process, and runs the
 * store-to-bus relay (of every category, or of the categories `options.relay` names; STORE_TO_BUS_RELAY
 * is null in a process without one).
 */
@Module({})
export class PlatformRuntimeModule {
  static forRoot(adapters: PlatformAdapters, options: PlatformRuntimeOptions = {}): DynamicModule {
    const clock = options.clock ?? new SystemClock();
    // An empty filter would read as "every category": a process that owns none says `relay: false`.
    if (options.relay && options.relay.categories.length === 0)
      throw new Error(`relay of ${options.relay.owner} names no category (use relay: false)`);
    const relay =
      options.relay === false
        ? null
        : new StoreToBusRelay({
            store: adapters.eventStore,
            bus: adapters.bus,
            checkpoints: adapters.checkpoints,
            ...(options.relay
              ? {
                  processorId: `store-to-bus-relay.${options.relay.owner}`,
                  categories: [...options.relay.categories],
                }
              : {}),
          });
    const runners: ProjectionRunner[] = [];
    return {
      module: PlatformRuntimeModule,
      global: true,
      imports: [PhiModule],
      providers: [
        { provide: PHI_KEY_STORE, useValue: adapters.phi.keys },
        { provide: PHI_CODEC, useValue: adapters.phi.codec },
        { provide: PHI_READ_MODEL_REBUILDER, useValue: () => runners },
        { provide: PLATFORM_ADAPTERS, useValue: adapters },
        { provide: RUNTIME_OPTIONS, useValue: options },
        { provide: EVENT_STORE, useValue: adapters.eventStore },
        { provide: BUS, useValue: adapters.bus },
        { provide: READ_MODEL_STORE, useValue: adapters.readModels },
        { provide: CHECKPOINT_STORE, useValue: adapters.checkpoints },
        { provide: STORE_TO_BUS_RELAY, useValue: relay },
        { provide: PROJECTION_RUNNERS, useValue: runners },
        { provide: PROJECTION_CHANGES, useValue: new ProjectionChanges() },
        { provide: CLOCK, useValue: clock },
        { provide: ID_GENERATOR, useValue: options.ids ?? new UuidV7Generator(clock) },
        PlatformLifecycle,
      ],
      exports: [
        EVENT_STORE,
        BUS,
        READ_MODEL_STORE,
        CHECKPOINT_STORE,
        STORE_TO_BUS_RELAY,
        PROJECTION_RUNNERS,
        PROJECTION_CHANGES,
        CLOCK,
        ID_GENERATOR,
        PHI_KEY_STORE,
        PHI_CODEC,
        PHI_READ_MODEL_REBUILDER,
      ],
    };
  }
}
