// Pure: the name an opened container gets (/dev/mapper/<name>). The installed system's own name for it,
// from its crypttab, when that is free: its initramfs tools (cryptsetup-initramfs) look the running
// mapping up there, so `repair boot` must open it under that name. Else the installer's `luks-<uuid>`,
// else one of LiveKit's own.

/** A device-mapper name: no slash, not `.` or `..`, at most 127 bytes. */
export function isMappingName(name: string): boolean {
  return name.length > 0 && name.length <= 127 && !name.includes('/') && name !== '.' && name !== '..' && !/\s/.test(name);
}

/** The target name crypttab gives the container with this UUID or on this device, when it has a line for it. */
export function crypttabName(crypttab: string | undefined, luks: { uuid: string; device: string }): string | undefined {
  const uuid = luks.uuid.toLowerCase();
  for (const raw of (crypttab ?? '').split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const [name, source] = line.split(/\s+/);
    if (!name || !source) continue;
    const s = source.replace(/^"|"$/g, '');
    const byUuid = /^(?:UUID=|\/dev\/disk\/by-uuid\/)(.+)$/i.exec(s)?.[1]?.toLowerCase();
    if ((uuid && byUuid === uuid) || s === luks.device) return isMappingName(name) ? name : undefined;
  }
  return undefined;
}

/** The first free name of: crypttab's, `luks-<uuid>`, `livekit-<id>`, `livekit-<id>-2`, … */
export function mappingName(o: { crypttabName?: string; uuid: string; id: string; taken: readonly string[] }): string {
  const own = `livekit-${o.id.replace(/[^A-Za-z0-9._-]/g, '_')}`;
  for (const c of [o.crypttabName, o.uuid ? `luks-${o.uuid}` : undefined, own]) {
    if (c && isMappingName(c) && !o.taken.includes(c)) return c;
  }
  for (let i = 2; ; i++) if (!o.taken.includes(`${own}-${i}`)) return `${own}-${i}`;
}
