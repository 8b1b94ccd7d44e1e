// Child process for the crash test: performs random queue operations until it is killed.
// It journals each enqueue ("intent <id>" before, "done <id>" after) outside the runtime root,
// so the parent knows which documents must exist after a SIGKILL.
import { appendFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { workspacePaths } from "@millrace/workspace";
import { openQueueStore } from "../dist/index.js";

const [root, iteration, seedText] = process.argv.slice(2);
let seed = Number(seedText) >>> 0 || 1;
const random = () => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 4294967296;
};
const pick = (items) => items[Math.floor(random() * items.length)];

const paths = workspacePaths(root);
const journal = path.join(root, "journal.log");
const store = openQueueStore(paths);
const stamp = () =>
  new Date(Date.UTC(2026, 0, 1, 0, 0, Math.floor(random() * 100000))).toISOString().replace(".000Z", "Z");

function docFor(kind, id) {
  const common = { title: `Crash ${id}`, created_by: "crash-test" };
  if (kind === "task") {
    return {
      ...common,
      task_id: id,
      target_paths: ["src/"],
      acceptance: ["ok"],
      required_checks: ["true"],
      references: ["none"],
      risk: ["low"],
      created_at: stamp(),
      body: `Body of ${id}.\nSummary: prose that looks like a field.`,
    };
  }
  if (kind === "spec") {
    return {
      ...common,
      spec_id: id,
      summary: "s",
      source_type: "manual",
      goals: ["g"],
      constraints: ["c"],
      acceptance: ["a"],
      references: ["r"],
      created_at: stamp(),
    };
  }
  return {
    title: common.title,
    incident_id: id,
    summary: "i",
    source_stage: "consultant",
    source_plane: "execution",
    failure_class: "x",
    trigger_reason: "x",
    consultant_decision: "needs_planning",
    opened_at: stamp(),
    opened_by: "runtime",
  };
}

let n = 0;
// "ready" (which starts the parent's kill timer) follows the first operation, not the store's open:
// on a loaded machine a timer started at the open could fire before this process got to run any.
let ops = 0;
for (;;) {
  if (ops === 1) process.stdout.write("ready\n");
  ops += 1;
  const roll = random();
  try {
    if (roll < 0.4) {
      const kind = pick(["task", "task", "spec", "incident"]);
      const id = `${kind[0]}${iteration}-${n++}`;
      appendFileSync(journal, `intent ${id}\n`);
      store.enqueue(kind, docFor(kind, id));
      appendFileSync(journal, `done ${id}\n`);
    } else if (roll < 0.6) {
      store.claimNext(pick(["execution", "planning"]));
    } else if (roll < 0.85) {
      const active = store.activeItems();
      if (active.length > 0) {
        const item = pick(active);
        const action = pick(["complete", "block", "requeue"]);
        if (action === "requeue") store.requeue(item.kind, item.id, "crash test requeue");
        else store[action](item.kind, item.id);
      }
    } else if (roll < 0.9) {
      writeFileSync(
        path.join(paths.queues.task.queue, `junk${iteration}-${n++}.md`),
        "# Junk\n\nnot a document\n",
      );
    } else {
      store.flush();
    }
  } catch (error) {
    if (error?.code !== "queue_state_conflict") throw error;
  }
}
