import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { MillraceError, type SkillListing } from "@millrace/contracts";
import { neutralizeControlChars } from "@millrace/contracts/terminal-text";
import { requireInitialized } from "@millrace/workspace";
import { keyValueLines, type MillraceCommand } from "../command.js";

const ACTIONS = ["ls", "show", "install", "remove"] as const;

interface SkillsArgs {
  action: (typeof ACTIONS)[number];
  target?: string;
  only?: string[];
  replace?: boolean;
}

type SkillSource = import("@millrace/compounding").SkillSource;

/** npm package names: an optional `@scope/`, then lower-case letters, digits, `-`, `.`, `_`. */
const PACKAGE_NAME = /^(?:@[a-z0-9][a-z0-9._-]*\/)?[a-z0-9][a-z0-9._-]*$/;

/**
 * What the argument names: a `.tgz` from `npm pack`, an unpacked package (a folder with
 * package.json and skills/), a skill folder or a folder of them, or the name of a package
 * installed in the workspace's node_modules. Nothing is fetched from a registry.
 */
function sourceOf(target: string, cwd: string, workspaceRoot: string): SkillSource {
  const local = path.resolve(cwd, target);
  if (existsSync(local)) {
    if (statSync(local).isFile()) return { kind: "tarball", path: local };
    const isPackage = existsSync(path.join(local, "package.json")) && existsSync(path.join(local, "skills"));
    return { kind: isPackage ? "npm_package" : "folder", path: local };
  }
  if (PACKAGE_NAME.test(target)) {
    const installed = path.join(workspaceRoot, "node_modules", ...target.split("/"));
    if (existsSync(path.join(installed, "package.json"))) return { kind: "npm_package", path: installed };
    throw new MillraceError("skill_invalid", `no folder ${local} and no installed package ${target}`, {
      hint: `Run \`npm install ${target}\` in the workspace (or \`npm pack ${target}\`) first, then install from it.`,
    });
  }
  throw new MillraceError("skill_invalid", `${local} does not exist`, {
    hint: "Pass a skill folder (with SKILL.md), a folder of skills, an npm package folder or .tgz, or an installed package's name.",
  });
}

function line(skill: SkillListing): string {
  return `${skill.status} ${skill.name} (${skill.source_kind} ${neutralizeControlChars(skill.source)}): ${neutralizeControlChars(skill.description)}\n`;
}

function requireTarget(args: SkillsArgs, what: string): string {
  if (!args.target) {
    throw new MillraceError("usage_invalid_argument", `skills ${args.action} needs ${what}`, {
      hint:
        args.action === "install"
          ? "Pass a folder, a .tgz or a package name."
          : "Run `millrace skills ls` to list them.",
    });
  }
  return args.target;
}

export const skillsCommand: MillraceCommand<SkillsArgs> = {
  command: "skills <action> [target]",
  describe: "List, show, install (folder, npm package or .tgz) or remove learned skills",
  builder: (yargs) =>
    yargs
      .positional("action", { choices: ACTIONS, describe: "What to do" })
      .positional("target", {
        type: "string",
        describe: "show/remove: a skill name; install: a folder, a .tgz, or an installed package's name",
      })
      .option("only", { type: "string", array: true, describe: "install: only these skill names" })
      .option("replace", {
        type: "boolean",
        default: false,
        describe: "install: replace an installed skill of the same name",
      }),
  examples: [
    ["$0 skills install ./my-skills", "Install every skill folder under ./my-skills"],
    [
      "$0 skills install ./acme-skills-1.0.0.tgz --only lint-fixes",
      "Install one skill from a packed package",
    ],
    ["$0 skills ls --json", "Installed skills and whether their files are as installed"],
  ],
  async handler(args, ctx) {
    if (args.action !== "install" && (args.only !== undefined || args.replace)) {
      throw new MillraceError(
        "usage_invalid_argument",
        "--only and --replace apply to `skills install` only",
        {
          hint: "Drop them.",
        },
      );
    }
    const paths = requireInitialized(ctx.workspace);
    const pkg = await import("@millrace/compounding");
    switch (args.action) {
      case "ls": {
        if (args.target !== undefined) {
          throw new MillraceError("usage_invalid_argument", "skills ls takes no argument", {
            hint: "Use `skills show <name>`.",
          });
        }
        const skills = pkg.listSkills(paths);
        ctx.emit(() => (skills.length === 0 ? "no installed skills\n" : skills.map(line).join("")), {
          skills,
        });
        return 0;
      }
      case "show": {
        const detail = pkg.showSkill(paths, requireTarget(args, "a skill name"));
        ctx.emit(
          () =>
            `${keyValueLines({ ...detail, files: Object.keys(detail.files).length, skill_md: undefined })}\n${neutralizeControlChars(detail.skill_md ?? "(SKILL.md is missing)")}\n`,
          detail,
        );
        return 0;
      }
      case "install": {
        const source = sourceOf(requireTarget(args, "a source"), ctx.io.cwd, paths.root);
        const output = pkg.installSkills(paths, {
          source,
          ...(args.only ? { only: args.only } : {}),
          replace: args.replace === true,
        });
        ctx.emit(
          () =>
            output.installed
              .map(
                (skill) =>
                  `${output.replaced.includes(skill.name) ? "replaced" : "installed"} ${skill.name} -> ${skill.relative_path}\n`,
              )
              .join(""),
          output,
        );
        return 0;
      }
      case "remove": {
        const removed = pkg.removeSkill(paths, requireTarget(args, "a skill name"));
        ctx.emit(() => `removed ${removed.name} (${removed.relative_path})\n`, removed);
        return 0;
      }
    }
  },
};
