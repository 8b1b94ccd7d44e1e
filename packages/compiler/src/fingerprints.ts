import { createHash } from "node:crypto";
import {
  canonicalJson,
  compareCodeUnits,
  type MillraceConfig,
  type ResolvedAsset,
  structuralConfigView,
} from "@millrace/contracts";

function sha256Hex(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** `cfg-<12 hex>` over the structural part of the config only (decision 7). */
export function structuralConfigFingerprint(config: MillraceConfig): string {
  return `cfg-${sha256Hex(canonicalJson(structuralConfigView(config))).slice(0, 12)}`;
}

/** `assets-<12 hex>` over every resolved asset: family, logical id, path and content hash. */
export function assetsFingerprint(assets: readonly ResolvedAsset[]): string {
  const sorted = [...assets].sort(
    (a, b) =>
      compareCodeUnits(a.asset_family, b.asset_family) ||
      compareCodeUnits(a.logical_id, b.logical_id) ||
      compareCodeUnits(a.compile_time_path, b.compile_time_path),
  );
  const hash = createHash("sha256");
  for (const asset of sorted) {
    hash.update(
      `${asset.asset_family}\0${asset.logical_id}\0${asset.compile_time_path}\0${asset.content_sha256}\0`,
    );
  }
  return `assets-${hash.digest("hex").slice(0, 12)}`;
}

/** `plan-<mode>-<12 hex>` over the frozen topology; excludes timestamps and fingerprints. */
export function planId(modeId: string, topology: Record<string, unknown>): string {
  return `plan-${modeId}-${sha256Hex(canonicalJson({ mode_id: modeId, ...topology })).slice(0, 12)}`;
}
