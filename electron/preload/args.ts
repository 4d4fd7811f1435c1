// Reads the engine's address and token from the arguments the main process appends for the preload.
export function engineFromArgv(argv: string[]): { engineUrl: string; token: string } | null {
  const get = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const engineUrl = get('livekit-engine');
  const token = get('livekit-token');
  if (!engineUrl || !token || !/^http:\/\/127\.0\.0\.1:\d+$/.test(engineUrl)) return null;
  return { engineUrl, token };
}
