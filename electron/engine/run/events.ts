// The install events live in shared/ (the CLI, the service and the renderer read them); this path is
// kept for the engine's and the CLI's imports.
export type * from '../../shared/events.ts';
