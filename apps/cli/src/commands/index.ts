import type { MillraceCommand } from "../command.js";
import { versionCommand } from "./version.js";

/**
 * Every command the CLI registers. Each group lives in its own file under commands/ and only calls
 * into a package and formats the answer.
 */
// biome-ignore lint/suspicious/noExplicitAny: each command narrows its own argument type.
export const commandGroups: MillraceCommand<any>[][] = [[versionCommand]];
