import { type FSWatcher, statSync, watch } from "node:fs";

/**
 * Wakes the event streams of one workspace when its event log may have grown or rotated. `fs.watch`
 * on the logs folder sees appends and renames at once where the platform supports it; a cheap
 * fallback (one `stat` of the live file per interval) covers file systems where it does not fire
 * (network mounts, some containers) and a logs folder created after the server started.
 */
export class LogWatch {
  private readonly listeners = new Set<() => void>();
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastSeen = "";

  constructor(
    private readonly logsDir: string,
    private readonly logFile: string,
    private readonly fallbackMs = 1000,
  ) {}

  /** Calls `listener` on each possible change; returns the function that unsubscribes it. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    if (this.listeners.size === 1) this.start();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stop();
    };
  }

  close(): void {
    this.listeners.clear();
    this.stop();
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }

  private fingerprint(): string {
    try {
      const stat = statSync(this.logFile);
      return `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
    } catch {
      return "absent";
    }
  }

  private start(): void {
    this.lastSeen = this.fingerprint();
    this.watchFolder();
    this.timer = setInterval(() => {
      if (!this.watcher) this.watchFolder();
      const now = this.fingerprint();
      if (now !== this.lastSeen) {
        this.lastSeen = now;
        this.notify();
      }
    }, this.fallbackMs);
    this.timer.unref();
  }

  private watchFolder(): void {
    try {
      this.watcher = watch(this.logsDir, { persistent: false }, () => {
        this.lastSeen = this.fingerprint();
        this.notify();
      });
      this.watcher.on("error", () => {
        this.watcher?.close();
        this.watcher = undefined;
      });
    } catch {
      this.watcher = undefined; // no logs folder yet: the interval retries
    }
  }

  private stop(): void {
    this.watcher?.close();
    this.watcher = undefined;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
