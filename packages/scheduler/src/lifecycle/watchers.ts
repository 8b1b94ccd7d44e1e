import { type FSWatcher as FolderWatcher, mkdirSync, watch as watchFolder } from "node:fs";
import path from "node:path";
import type { MillraceConfig } from "@millrace/contracts";
import type { WorkspacePaths } from "@millrace/workspace";
import { type FSWatcher, watch } from "chokidar";
import type { EngineContext } from "../state/context.js";

/**
 * A folder-level wake for the claimable queue folders: one `fs.watch` (inotify) per folder, and a
 * burst of changes in a folder coalesced into one wake `debounceMs` after its first change. Chokidar
 * keeps a record and a watcher per file and, on each change in a folder, lists the folder again with
 * a stat of every entry: its CPU and memory grew with the depth of the queue (docs/performance.md,
 * "Memory", sixth pass). The engine only needs to know that a folder changed, since it reads the
 * folders itself. A folder that cannot be watched, or whose watch fails later, is not watched; the
 * engine still reads it at every cycle, so that costs latency, never correctness.
 */
class FolderWake {
  private readonly watchers: FolderWatcher[] = [];
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(
    folders: readonly string[],
    private readonly debounceMs: number,
    private readonly fire: () => void,
  ) {
    for (const folder of folders) {
      try {
        const watcher = watchFolder(folder, { persistent: false }, (_event, name) =>
          this.changed(folder, name),
        );
        watcher.on("error", () => watcher.close());
        this.watchers.push(watcher);
      } catch {
        // Missing or unwatchable: read at every cycle all the same (see above).
      }
    }
  }

  private changed(folder: string, name: string | null): void {
    // Temp files of atomic writes (`.<name>.tmp-...`): the rename into place that follows is the change.
    if (name?.startsWith(".")) return;
    if (this.debounceMs === 0) {
      this.fire();
      return;
    }
    if (this.timers.has(folder)) return;
    const timer = setTimeout(() => {
      this.timers.delete(folder);
      this.fire();
    }, this.debounceMs);
    timer.unref();
    this.timers.set(folder, timer);
  }

  close(): void {
    for (const watcher of this.watchers) watcher.close();
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}

/**
 * File watching for a running daemon: chokidar for the mailbox, the ideas inbox and the config file,
 * and a folder-level wake for the claimable queue folders (FolderWake). Events only wake the engine
 * and set flags; the engine reads the folders itself at its next cycle, so a missed event costs
 * latency, never correctness.
 */
export class WatcherSession {
  private readonly watcher: FSWatcher;
  private readonly folders: FolderWake;
  private pending = false;
  private configChanged = false;
  private readonly configFile: string;

  constructor(
    paths: WorkspacePaths,
    config: MillraceConfig,
    private readonly onEvent: () => void,
  ) {
    mkdirSync(paths.ideasInbox, { recursive: true });
    this.configFile = paths.configFile;
    const targets = [paths.mailboxIncoming];
    const queueFolders = [
      paths.queues.task.queue,
      paths.queues.incident.queue,
      paths.queues.learning_request.queue,
      paths.queues.probe.queue,
    ];
    if (config.watchers.watch_specs_queue) queueFolders.push(paths.queues.spec.queue);
    if (config.watchers.watch_ideas_inbox) targets.push(paths.ideasInbox);
    if (config.watchers.watch_config) targets.push(paths.configFile);
    this.watcher = watch(targets, {
      ignoreInitial: true,
      depth: 0,
      awaitWriteFinish:
        config.watchers.debounce_ms > 0
          ? { stabilityThreshold: config.watchers.debounce_ms, pollInterval: 50 }
          : false,
      ignored: (file: string) => path.basename(file).startsWith(".") && file !== this.configFile,
    });
    const handle = (file: string) => {
      if (path.resolve(file) === this.configFile) this.configChanged = true;
      this.pending = true;
      this.onEvent();
    };
    this.watcher.on("add", handle).on("change", handle).on("unlink", handle);
    this.folders = new FolderWake(queueFolders, config.watchers.debounce_ms, () => {
      this.pending = true;
      this.onEvent();
    });
  }

  ready(): Promise<void> {
    return new Promise((resolve) => this.watcher.once("ready", () => resolve()));
  }

  hasPending(): boolean {
    return this.pending || this.configChanged;
  }

  /** Clears the wake flag; the cycle that follows reads the folders. */
  consume(_ctx: EngineContext): void {
    this.pending = false;
  }

  takeConfigChange(): boolean {
    const changed = this.configChanged;
    this.configChanged = false;
    return changed;
  }

  async close(): Promise<void> {
    this.folders.close();
    await this.watcher.close();
  }
}
