import { SingleBar } from 'cli-progress';
import type { Progress } from '../commands/sync-engine';

/**
 * A live bar on stderr with bytes, rate and ETA, for `--progress` on a terminal. Its total grows
 * while the listings are read.
 */
export class ProgressBar {
  private readonly bar = new SingleBar({
    stream: process.stderr,
    format: '{bar} {percentage}% | {done}/{total_h} | {rate}/s | ETA {eta_formatted} | {objects} objects',
    hideCursor: true,
    etaBuffer: 50,
    fps: 5,
  });
  private readonly began = Date.now();
  private started = false;

  update(progress: Progress): void {
    const total = Math.max(1, progress.bytesToCopy);
    const seconds = Math.max(0.001, (Date.now() - this.began) / 1000);
    const payload = {
      done: formatBytes(progress.bytesDone),
      total_h: formatBytes(progress.bytesToCopy) + (progress.listingDone ? '' : '+'),
      rate: formatBytes(progress.bytesDone / seconds),
      objects: progress.objectsDone,
    };
    if (!this.started) {
      this.bar.start(total, progress.bytesDone, payload);
      this.started = true;
    }
    this.bar.setTotal(total);
    this.bar.update(progress.bytesDone, payload);
  }

  stop(): void {
    if (this.started) this.bar.stop();
  }
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}
