import type { QueueItemDetail } from "@millrace/contracts";
import { api, getJson } from "../api.js";
import { h } from "../dom.js";
import { time } from "../format.js";
import { href, type Page } from "./route.js";

const LINEAGE_FIELDS = [
  "root_idea_id",
  "root_spec_id",
  "spec_id",
  "parent_spec_id",
  "parent_task_id",
  "incident_id",
  "source_task_id",
  "source_spec_id",
];

/** One work item: its document rendered as text (never as HTML), its lineage and its requeues. */
export const itemPage: Page<QueueItemDetail> = {
  load: (route) =>
    getJson<QueueItemDetail>(api(route.workspace)(`queue/${encodeURIComponent(route.arg ?? "")}`)),
  view(detail, route) {
    const doc = detail.document as unknown as Record<string, unknown>;
    const lineage = LINEAGE_FIELDS.filter((key) => typeof doc[key] === "string");
    const fields = Object.entries(doc).filter(
      ([key, value]) => !LINEAGE_FIELDS.includes(key) && typeof value !== "object",
    );
    const lists = Object.entries(doc).filter(([, value]) => Array.isArray(value) && value.length > 0);
    return [
      h("p", {}, h("a", { href: href({ workspace: route.workspace, page: "queue" }) }, "← Queue")),
      h("h1", {}, `${detail.kind} ${detail.id}`),
      h("p", {}, detail.title, " ", h("span", { class: `state ${detail.state}` }, detail.state)),
      lineage.length > 0
        ? h(
            "section",
            { class: "card" },
            h("h2", {}, "Lineage"),
            h(
              "dl",
              { class: "kv" },
              lineage.flatMap((key) => [
                h("dt", {}, key),
                h(
                  "dd",
                  {},
                  h(
                    "a",
                    { href: href({ workspace: route.workspace, page: "item", arg: String(doc[key]) }) },
                    String(doc[key]),
                  ),
                ),
              ]),
            ),
          )
        : null,
      h(
        "section",
        { class: "card" },
        h("h2", {}, "Document"),
        h(
          "dl",
          { class: "kv", "data-testid": "document" },
          fields.flatMap(([key, value]) => [
            h("dt", {}, key),
            h("dd", {}, String(value).includes("\n") ? h("pre", {}, String(value)) : String(value)),
          ]),
        ),
      ),
      lists.map(([key, value]) =>
        h(
          "section",
          { class: "card" },
          h("h2", {}, key),
          h(
            "ul",
            {},
            (value as unknown[]).map((entry) =>
              h("li", {}, typeof entry === "string" ? entry : JSON.stringify(entry)),
            ),
          ),
        ),
      ),
      detail.requeues.length > 0
        ? h(
            "section",
            { class: "card" },
            h("h2", {}, "Requeues"),
            h(
              "ul",
              {},
              detail.requeues.map((r) =>
                h("li", {}, `${time((r as { requeued_at?: string }).requeued_at)} ${JSON.stringify(r)}`),
              ),
            ),
          )
        : null,
    ];
  },
};
