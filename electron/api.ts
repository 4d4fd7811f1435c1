// The face of electron/shared/ for the renderer and the Electron shell, and the RPC contract between the
// engine service and the renderer. Everything comes from shared/ (values end up in the renderer bundle),
// except the router's type, erased at build. scripts/check-imports.ts enforces it.
export type { AppRouter } from './engine/service/router.ts';
export type { InstallState, InstallPhase, StepState, InstallError } from './shared/install-state.ts';
export type { UiFacts, UiProblem, DiskChoice, PlanOutcome, ServiceMessage, WizardSession, MachineWarning } from './shared/service.ts';
export type { InstallEvent, ProgressEvent, InstallEventType } from './shared/events.ts';
export type { Plan, Step, StepId, PlannedPartition } from './shared/plan.ts';
export type { AnswersInput, Answers } from './shared/answers.ts';
export type { SysrootInfo, DiskInfo, PartitionInfo, Refusal, RefusalCode } from './shared/facts.ts';
export { reduceInstall, initialInstallState } from './shared/install-state.ts';
export { errorText } from './shared/error-text.ts';
export { LANGUAGES, languageOf, type Language } from './shared/language.ts';
export { contentSecurityPolicy, SECURITY_HEADERS, REACT_ARIA_STYLE_HASH } from './shared/csp.ts';
export { KEYBOARD_LAYOUTS, KEYBOARD_VARIANTS, layoutForLocale, timezoneForLocale } from './shared/keyboard.ts';
export { isEspCandidate, isRootCandidate } from './shared/partitions.ts';
export { checkFullname, checkPassword, PASSWORD_MIN_LENGTH, checkPassphrase, checkPassphraseConfirm, PASSPHRASE_MIN_LENGTH } from './shared/account-rules.ts';
export { encryptionBlockers } from './shared/encryption.ts';
export type { UiSystem, UiSystems, UiLocked, LockedVolume, OtherVolume, RepairPlan, RepairProblem, RepairOutcome, RepairRequest, RepairKind, UiRepairKind, TerminalOutcome, FsckResult, SystemProblem } from './shared/rescue.ts';
export { UI_REPAIR_KINDS } from './shared/rescue.ts';
export { repairActionText } from './shared/rescue.ts';
