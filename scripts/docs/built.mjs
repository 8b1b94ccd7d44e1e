// The generators read the built packages (run `pnpm build` first; `pnpm docs:generate` does). This is
// repo tooling, not a package consumer: it may read the CLI's built command table by path, so the CLI
// keeps no public export just for its docs. The packages are read through their bundles, as the
// CLI's per-file output imports them (one instance of each module).

export { commandGroups } from "../../apps/cli/dist/commands/index.js";
export { COMPAT_SPELLINGS } from "../../apps/cli/dist/compat-aliases.js";
export {
  CONFIG_RANGE_KEYWORD,
  configApplyBoundary,
  ERROR_CODES,
  MillraceConfigSchema,
  renderErrorCatalog,
  renderJsonOutputDoc,
  renderJsonSchema,
} from "../../packages/contracts/dist/index.bundle.js";
export { DOCTOR_CHECK_CODES } from "../../packages/scheduler/dist/index.bundle.js";
