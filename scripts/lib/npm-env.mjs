// `pnpm run` and `pnpm exec` export every pnpm setting, including pnpm-workspace.yaml's `catalog`,
// to the scripts they start as `npm_config_*` variables. npm reads those as its own config and
// warns `npm warn Unknown env config "catalog"` (and "reporter", "verify-deps-before-run", ...) on
// every call. This is the environment to start npm/npx with from a pnpm script: pnpm's exports
// dropped, the npm settings a user may rely on (registry, cache, proxies, certificates) kept.

const KEEP = new Set([
  "npm_config_registry",
  "npm_config_cache",
  "npm_config_cafile",
  "npm_config_userconfig",
  "npm_config_globalconfig",
  "npm_config_proxy",
  "npm_config_https_proxy",
  "npm_config_noproxy",
  "npm_config_strict_ssl",
]);

/** `env` without the `npm_config_*` variables pnpm added (only when pnpm started this process). */
export function npmEnv(env = process.env) {
  const underPnpm = (env.npm_config_user_agent ?? "").startsWith("pnpm/");
  const out = {};
  for (const [key, value] of Object.entries(env)) {
    if (underPnpm && /^npm_config_/i.test(key) && !KEEP.has(key.toLowerCase())) continue;
    if (/^pnpm_config_/i.test(key)) continue;
    out[key] = value;
  }
  return out;
}
