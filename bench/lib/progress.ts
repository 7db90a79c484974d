// The progress bar on stderr: one line redrawn in place on a terminal, a line every few seconds otherwise.

export class ProgressBar {
  private doneWeight = 0;
  private current = { name: '', weight: 0, fraction: 0, label: '' };
  private lastPlainAt = 0;
  private lastPlainPercent = -1;
  private readonly startedAt = Date.now();

  constructor(
    private readonly totalWeight: number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {}

  begin(name: string, weight: number): void {
    this.current = { name, weight, fraction: 0, label: 'starting' };
    this.draw(true);
  }

  update(fraction: number, label: string): void {
    this.current.fraction = Math.max(this.current.fraction, Math.min(1, Math.max(0, fraction)));
    this.current.label = label;
    this.draw(false);
  }

  end(): void {
    this.doneWeight += this.current.weight;
    this.current = { name: this.current.name, weight: 0, fraction: 0, label: 'done' };
    this.draw(true);
  }

  /** A message above the bar. */
  log(message: string): void {
    if (this.stream.isTTY) this.stream.write('\r\x1b[2K');
    this.stream.write(`${message}\n`);
    this.draw(true);
  }

  finish(): void {
    if (this.stream.isTTY) this.stream.write('\n');
  }

  private draw(force: boolean): void {
    const overall = Math.min(
      1,
      (this.doneWeight + this.current.weight * this.current.fraction) / Math.max(1, this.totalWeight),
    );
    const percent = Math.floor(overall * 100);
    const width = 30;
    const filled = Math.round(overall * width);
    const elapsed = Math.round((Date.now() - this.startedAt) / 1000);
    const text = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(percent).padStart(3)}% ${elapsed}s ${this.current.name}: ${this.current.label}`;
    if (this.stream.isTTY) {
      const cols = this.stream.columns || 120;
      this.stream.write(`\r\x1b[2K${text.slice(0, cols - 1)}`);
      return;
    }
    const now = Date.now();
    if (force || (percent !== this.lastPlainPercent && now - this.lastPlainAt > 5_000)) {
      this.lastPlainAt = now;
      this.lastPlainPercent = percent;
      this.stream.write(`${text}\n`);
    }
  }
}
