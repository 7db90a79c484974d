import { Gauge, type Registry } from 'prom-client';

export const CONSUMER_LAG_METRIC = 'ringback_bus_consumer_lag';

export type ConsumerLagGauge = Gauge<'group' | 'topic'>;

/** The lag gauge in `registry`; shared by every bus and consumer that reports into the same registry. */
export function consumerLagGauge(registry: Registry): ConsumerLagGauge {
  const existing = registry.getSingleMetric(CONSUMER_LAG_METRIC);
  if (existing) return existing as ConsumerLagGauge;
  return new Gauge({
    name: CONSUMER_LAG_METRIC,
    help: 'Messages published but not yet committed by the consumer group, per topic',
    labelNames: ['group', 'topic'],
    registers: [registry],
  });
}

/**
 * Keeps `ringback_bus_consumer_lag{group,topic}` current for one consumer: refreshed on every
 * `refresh()` (which `lag()` calls) and on a timer that never keeps the process alive.
 */
export class ConsumerLagReporter {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly groupId: string,
    private readonly readLag: () => Promise<Map<string, number>>,
    private readonly gauge: ConsumerLagGauge | undefined,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    if (!this.gauge || this.timer) return;
    // A failed refresh (broker briefly away) leaves the last value; the next tick tries again.
    this.timer = setInterval(() => void this.refresh().catch(() => undefined), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Reads the lag per topic, publishes it to the gauge, and returns the total. */
  async refresh(): Promise<number> {
    const perTopic = await this.readLag();
    let total = 0;
    for (const [topic, lag] of perTopic) {
      this.gauge?.set({ group: this.groupId, topic }, lag);
      total += lag;
    }
    return total;
  }
}
