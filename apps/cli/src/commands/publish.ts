import path from "node:path";
import type { PublishCommitResult, PublishPreflightReport, PublishSyncReport } from "@millrace/contracts";
import { requireInitialized } from "@millrace/workspace";
import { keyValueLines, type MillraceCommand } from "../command.js";

const ACTIONS = ["sync", "preflight", "commit"] as const;

interface PublishArgs {
  action: (typeof ACTIONS)[number];
  manifest?: string;
  stagingRepoDir?: string;
  message?: string;
  push?: boolean;
}

function syncText(report: PublishSyncReport): string {
  const entries = report.entries.map(
    (entry) =>
      `entry: ${entry.path} ${entry.action}${entry.required ? " required" : " optional"}${entry.source_kind ? ` ${entry.source_kind}` : ""}\n`,
  );
  return keyValueLines({ ...report.selection, created: report.created }) + entries.join("");
}

function preflightText(report: PublishPreflightReport): string {
  const { changed_paths: changed, ...rest } = report;
  return (
    keyValueLines({ ...rest, changed_paths: changed.length }) + changed.map((p) => `changed: ${p}\n`).join("")
  );
}

function commitText(result: PublishCommitResult): string {
  return keyValueLines({ ...result });
}

/**
 * `publish sync|preflight|commit`: copy the manifest's paths into the staging repository, inspect
 * it, commit it (and push only with --push). Every git operation is in @millrace/git.
 */
export const publishCommand: MillraceCommand<PublishArgs> = {
  command: "publish <action>",
  describe:
    "Sync the staging repository from the staging manifest, check it, commit it (push only with --push)",
  builder: (yargs) =>
    yargs
      .positional("action", { choices: ACTIONS, describe: "sync, preflight or commit" })
      .option("manifest", {
        type: "string",
        describe: "sync: the staging manifest (default millrace-agents/staging_manifest.yml)",
      })
      .option("staging-repo-dir", {
        type: "string",
        describe: "The staging repository (default <workspace>/staging)",
      })
      .option("message", { type: "string", describe: "preflight/commit: the commit message" })
      .option("push", {
        type: "boolean",
        default: false,
        describe: "preflight/commit: push to origin after the commit (never without this flag)",
      }),
  examples: [
    ["$0 publish sync", "Copy the manifest's paths into <workspace>/staging"],
    ["$0 publish preflight --push", "Would a commit and a push go ahead?"],
    ["$0 publish commit --push --message 'Nightly sync'", "Commit the staging repository and push it"],
  ],
  async handler(args, ctx) {
    const paths = requireInitialized(ctx.workspace);
    const git = await import("@millrace/git");
    const stagingDir = args.stagingRepoDir
      ? path.resolve(ctx.io.cwd, args.stagingRepoDir)
      : git.defaultStagingDir(paths);
    switch (args.action) {
      case "sync": {
        const manifestFile = args.manifest
          ? path.resolve(ctx.io.cwd, args.manifest)
          : git.defaultStagingManifestPath(paths);
        const report = git.publishSync({
          workspaceRoot: paths.root,
          stagingDir,
          manifest: git.readStagingManifest(manifestFile),
        });
        ctx.emit(() => syncText(report), report);
        return 0;
      }
      case "preflight": {
        const report = await git.publishPreflight({
          stagingDir,
          push: args.push ?? false,
          ...(args.message ? { message: args.message } : {}),
        });
        ctx.emit(() => preflightText(report), report);
        return 0;
      }
      default: {
        const result = await git.publishCommit({
          stagingDir,
          push: args.push ?? false,
          ...(args.message ? { message: args.message } : {}),
        });
        ctx.emit(() => commitText(result), result);
        return 0;
      }
    }
  },
};
