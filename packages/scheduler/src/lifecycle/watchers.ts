import { mkdirSync } from "node:fs";
import path from "node:path";
import type { MillraceConfig } from "@millrace/contracts";
import type { WorkspacePaths } from "@millrace/workspace";
import { type FSWatcher, watch } from "chokidar";
import type { EngineContext } from "../state/context.js";

/**
 * File watching for a running daemon (chokidar): the mailbox, the claimable queue folders, the
 * ideas inbox and the config file. Events only wake the engine and set flags; the engine reads the
 * folders itself at its next cycle, so a missed event costs latency, never correctness.
 */
export class WatcherSession {
  private readonly watcher: FSWatcher;
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
    const targets = [
      paths.mailboxIncoming,
      paths.queues.task.queue,
      paths.queues.incident.queue,
      paths.queues.learning_request.queue,
      paths.queues.probe.queue,
    ];
    if (config.watchers.watch_specs_queue) targets.push(paths.queues.spec.queue);
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
    await this.watcher.close();
  }
}
