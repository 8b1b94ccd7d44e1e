// The public API of @millrace/compounding, listed by name per source module.
// Keep each module's lines together and the names sorted, so additions merge cleanly.
export type { CuratorUpdateInput } from "./curator/curator-updates.js";
export {
  applyDeferredCuratorUpdates,
  recordCuratorUpdate,
  skillUpdateArtifacts,
} from "./curator/curator-updates.js";
export type { FlushOptions, FlushPlan, FlushResult } from "./extract/flush.js";
export { flushRunCandidates, planFlush } from "./extract/flush.js";
export { recordLearningFact, recordRunCandidate } from "./extract/record.js";
export type { ExtractionOptions, RunCandidate, StageCompletionInput } from "./extract/run-candidate.js";
export { extractLearningFact, extractRunCandidate } from "./extract/run-candidate.js";
export type { FlushMilestone } from "./extract/transitions.js";
export {
  CANDIDATE_OUTCOMES,
  FLUSH_MILESTONES,
  flushMilestoneFor,
  LEARNING_FACT_OUTCOMES,
  yieldsCandidate,
  yieldsLearningFact,
} from "./extract/transitions.js";
export { compoundingSummary, listFacts, listProcedures, showItem } from "./inspect.js";
export type { DeprecateRequest, GovernanceRequest } from "./lifecycle/govern.js";
export { deprecateItem, promoteItem } from "./lifecycle/govern.js";
export type { LintOptions } from "./lint/lint.js";
export { lintCompounding } from "./lint/lint.js";
export type { BuiltIndexes } from "./orient/build-indexes.js";
export { buildIndexes, ORIENTATION_NOTE } from "./orient/build-indexes.js";
export type { OrientOptions } from "./orient/orient.js";
export { orient } from "./orient/orient.js";
export type { FamilyRule, StageRule } from "./select/rules.js";
export {
  DEFAULT_COMBINED_BUDGET_CHARACTERS,
  DEFAULT_STAGE_RULES,
  IMPLEMENTATION_SOURCES,
  UPDATE_SOURCES,
  VALIDATION_SOURCES,
} from "./select/rules.js";
export type { PromptBlock, SelectionRequest, SelectionResult } from "./select/select.js";
export { CONSIDERED_RECORD_LIMIT, selectPromptContext } from "./select/select.js";
export type { StoreCache, StoreGetOptions } from "./select/store-cache.js";
export { FULL_CHECK_MS, openStoreCache, RUN_FOLDERS_PER_LOOK } from "./select/store-cache.js";
export type { FamilyView, RetrievalView, ViewItem } from "./select/view.js";
export { retrievalView } from "./select/view.js";
export { listSkills, showSkill } from "./skills/inspect.js";
export type { InstallOptions } from "./skills/install.js";
export { installSkills, removeSkill } from "./skills/install.js";
export { INSTALLED_SKILLS_FOLDER, readSkillsManifest } from "./skills/manifest.js";
export type { SkillSource } from "./skills/sources.js";
export type { SkillLimits, SkillValidation } from "./skills/validate.js";
export {
  ALLOWED_SKILL_EXTENSIONS,
  DEFAULT_SKILL_LIMITS,
  SKILL_NAME_PATTERN,
  validateSkillFolder,
} from "./skills/validate.js";
export type { CompoundingPaths } from "./store/paths.js";
export { compoundingPaths, compoundingWriteFolders } from "./store/paths.js";
export type { UnloadableFile } from "./store/read-json.js";
export { STORE_FILE_MAX_BYTES } from "./store/read-json.js";
export type { CompoundingSnapshot } from "./store/snapshot.js";
export { loadCompoundingSnapshot } from "./store/snapshot.js";
export type { StoreWrites } from "./store/write.js";
export { effectivenessSummary } from "./usage/effectiveness.js";
export {
  readSelectionArtifacts,
  SELECTION_ARTIFACT_FOLDER,
  writeSelectionArtifact,
} from "./usage/selection-artifact.js";
export type { InjectionOutcomeInput, RecordInjectionInput } from "./usage/usage-store.js";
export { loadUsageFiles, recordInjection, recordInjectionOutcome } from "./usage/usage-store.js";
