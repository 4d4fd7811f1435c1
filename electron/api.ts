// The face of electron/shared/ for the renderer and the Electron shell, and the RPC contract between the
// engine service and the renderer. Values come only from shared/ (they end up in the renderer bundle);
// the engine's own types are re-exported as types (erased at build). scripts/check-imports.ts enforces it.
export type { AppRouter } from './engine/service/router.ts';
export type { ServiceMessage } from './engine/service/hub.ts';
export type { InstallState, InstallPhase, StepState, InstallError } from './shared/install-state.ts';
export type { UiFacts, UiProblem, DiskChoice, PlanOutcome } from './engine/service/port.ts';
export type { InstallEvent, ProgressEvent, InstallEventType } from './shared/events.ts';
export type { Plan, Step, StepId, PlannedPartition } from './engine/plan/types.ts';
export type { AnswersInput, Answers } from './engine/answers/schema.ts';
export type { SysrootInfo, DiskInfo, Refusal, RefusalCode } from './engine/facts.ts';
export { reduceInstall, initialInstallState } from './shared/install-state.ts';
export { errorText } from './shared/error-text.ts';
export { LANGUAGES, languageOf, type Language } from './shared/language.ts';
export { contentSecurityPolicy, SECURITY_HEADERS, REACT_ARIA_STYLE_HASH } from './shared/csp.ts';
