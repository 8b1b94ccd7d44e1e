import type { PreflightPermission, PreflightStage } from "@millrace/contracts";
import type { RunnerPermissionConfig } from "../permission.js";

interface LevelsFound {
  readonly levels: string[];
  /** Where `maximum` comes from, phrased for the warning ("… run" / "… = \"maximum\" runs"). */
  readonly maximumWhere: string | null;
}

/** Every level the runner's config can select: its default, by stage and by model. */
function configuredLevels(section: string, settings: RunnerPermissionConfig): LevelsFound {
  const where: Array<[string, string]> = [
    ["permission_default", settings.permission_default],
    ...Object.entries(settings.permission_by_stage).map(([stage, level]): [string, string] => [
      `permission_by_stage.${stage}`,
      level,
    ]),
    ...Object.entries(settings.permission_by_model).map(([model, level]): [string, string] => [
      `permission_by_model.${model}`,
      level,
    ]),
  ];
  const maximumAt = where.filter(([, level]) => level === "maximum").map(([key]) => key);
  return {
    levels: [...new Set(where.map(([, level]) => level))].sort(),
    maximumWhere:
      maximumAt.length === 0
        ? null
        : `${maximumAt.map((key) => `runners.${section}.${key}`).join(", ")} = "maximum" runs`,
  };
}

/**
 * The level each stage runs with, resolved like `resolvePermissionLevel`: permission_by_stage, then
 * permission_by_model, then the stage's own profile, then permission_default.
 */
function stageLevels(
  section: string,
  settings: RunnerPermissionConfig,
  stages: readonly PreflightStage[],
): LevelsFound {
  const resolved = stages.map((stage) => {
    const byStage = settings.permission_by_stage[stage.stage];
    const byModel = stage.model ? settings.permission_by_model[stage.model] : undefined;
    const [level, source] =
      byStage !== undefined
        ? [byStage, `runners.${section}.permission_by_stage.${stage.stage}`]
        : byModel !== undefined
          ? [byModel, `runners.${section}.permission_by_model.${stage.model}`]
          : stage.permission_profile
            ? [stage.permission_profile, "the node's permission_profile"]
            : [settings.permission_default, `runners.${section}.permission_default`];
    return { stage, level, source };
  });
  const maximum = resolved.filter((entry) => entry.level === "maximum");
  const sources = [...new Set(maximum.map((entry) => entry.source))];
  const who =
    maximum.length === stages.length ? "every stage" : maximum.map((entry) => entry.stage.label).join(", ");
  return {
    levels: [...new Set(resolved.map((entry) => entry.level))].sort(),
    maximumWhere: maximum.length === 0 ? null : `${who} (from ${sources.join(", ")}) run`,
  };
}

/**
 * The permission finding of a runner whose levels map onto its CLI's own permission flags: the
 * levels in use (per stage when the stages are known), and a risk when any of them is `maximum`.
 */
export function levelPermissionFinding(input: {
  readonly section: string;
  readonly settings: RunnerPermissionConfig;
  readonly stages: readonly PreflightStage[] | undefined;
  /** What the agent gets at `maximum` (the flag passed). */
  readonly maximumGrants: string;
  /** Why the CLI would refuse to start at `maximum`, if it would. */
  readonly maximumRefusal: string | null;
}): PreflightPermission {
  const found =
    input.stages && input.stages.length > 0
      ? stageLevels(input.section, input.settings, input.stages)
      : configuredLevels(input.section, input.settings);
  return {
    levels: found.levels,
    summary: `permission levels ${found.levels.join(", ")}`,
    risk:
      found.maximumWhere === null
        ? null
        : {
            kind: "maximum",
            message: `${found.maximumWhere} with "maximum": the agent gets ${input.maximumGrants}`,
          },
    refusal: found.maximumWhere === null ? null : input.maximumRefusal,
  };
}
