import { readFileSync } from "node:fs";
import path from "node:path";
import {
  MillraceError,
  type ParkedWorkItem,
  type ParkedWorkItemsFile,
  ParkedWorkItemsFileSchema,
} from "@millrace/contracts";
import { type WorkspacePaths, writeJsonAtomicSync } from "@millrace/workspace";

export const PARKED_FILE_NAME = "usage_governance_parked.json";

export function parkedItemsFile(paths: WorkspacePaths): string {
  return path.join(paths.state, PARKED_FILE_NAME);
}

/**
 * The parked work items (`state/usage_governance_parked.json`, written atomically): items over a
 * budget wait in their queue folder, unclaimed, until a release. Re-read on every call, so a
 * reader (status, `queue show`) and the engine always agree with the file.
 */
export class ParkedItems {
  constructor(readonly file: string) {}

  static open(paths: WorkspacePaths): ParkedItems {
    return new ParkedItems(parkedItemsFile(paths));
  }

  list(): ParkedWorkItem[] {
    let text: string;
    try {
      text = readFileSync(this.file, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw error;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const parsed = ParkedWorkItemsFileSchema.safeParse(json);
    if (!parsed.success) {
      throw new MillraceError("engine_state_invalid", `${this.file} is not a parked-items file`, {
        hint: "Run `millrace doctor`; removing the file releases every parked item.",
      });
    }
    return parsed.data.items;
  }

  get(id: string): ParkedWorkItem | undefined {
    return this.list().find((item) => item.work_item_id === id);
  }

  /** Ids that must not be claimed: parked and not yet released. */
  held(): Set<string> {
    return new Set(
      this.list()
        .filter((item) => item.released_at === null)
        .map((item) => item.work_item_id),
    );
  }

  /** Records (or replaces) a parked item. */
  park(item: ParkedWorkItem): void {
    this.write([...this.list().filter((other) => other.work_item_id !== item.work_item_id), item]);
  }

  /** Marks a parked item released; it is claimable again. */
  markReleased(id: string, issuer: string, at: string): void {
    this.write(
      this.list().map((item) =>
        item.work_item_id === id ? { ...item, released_at: at, released_by: issuer } : item,
      ),
    );
  }

  /** Drops a released item's record when it is claimed again, returning it (for its resume point). */
  take(id: string): ParkedWorkItem | undefined {
    const items = this.list();
    const found = items.find((item) => item.work_item_id === id && item.released_at !== null);
    if (found) this.write(items.filter((item) => item !== found));
    return found;
  }

  private write(items: ParkedWorkItem[]): void {
    const file: ParkedWorkItemsFile = { version: "1.0", items };
    writeJsonAtomicSync(this.file, file);
  }
}
