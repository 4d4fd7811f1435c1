// What the window may load: only the engine's own origin (reloads included); everything else is denied,
// and no new windows are ever opened.
export function isAllowedNavigation(target: string, engineOrigin: string): boolean {
  try {
    return new URL(target).origin === engineOrigin;
  } catch {
    return false;
  }
}

export const DENY_WINDOW = { action: 'deny' } as const;

/** Permissions the renderer never needs (camera, notifications, ...): all are refused. */
export function allowPermission(_permission: string): boolean {
  return false;
}
