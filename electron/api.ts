// The RPC contract between the engine service and the renderer. The renderer imports types only.
export type { AppRouter } from './engine/service/router.ts';
export type { ServiceMessage } from './engine/service/hub.ts';
export type { InstallState, InstallPhase, StepState, InstallError } from './engine/service/state.ts';
export type { UiFacts, UiProblem, DiskChoice, PlanOutcome } from './engine/service/port.ts';
export type { InstallEvent, ProgressEvent, InstallEventType } from './engine/run/events.ts';
export type { Plan, Step, StepId, PlannedPartition } from './engine/plan/types.ts';
export type { AnswersInput, Answers } from './engine/answers/schema.ts';
export type { SysrootInfo, DiskInfo, Refusal, RefusalCode } from './engine/facts.ts';
export { reduceInstall, initialInstallState } from './engine/service/state.ts';
export { errorText } from './engine/run/coded-error.ts';
