// Shared by the QEMU proofs that install the Debian fixture with the engine and boot the result: the
// fixture (plain and as a three-layer medium), the answer file, the install, and a boot to a login over
// the serial console (OVMF for UEFI, SeaBIOS otherwise).
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { OVMF_CODE, OVMF_VARS, runQemu, type QemuResult } from '../boot/helpers/qemu.ts';
import { layeredDebian } from './debian-layered.ts';
import { jsonEvents, runCli, type CliResult } from './cli.ts';

const BUILD = new URL('../fixtures/debian-sysroot/build.sh', import.meta.url).pathname;
const COMPOSE = new URL('../../scripts/compose-sysroots.sh', import.meta.url).pathname;

export interface DebianAnswers {
  disk: string;
  layout: 'gpt-uefi' | 'gpt-bios' | 'mbr-bios';
  filesystem: 'ext4' | 'btrfs';
  hostname: string;
  locale: string;
  timezone: string;
  password: string;
  swap?: string;
}

export function debianAnswers(c: DebianAnswers): string {
  return [
    'version: 1',
    'variant: debian',
    'target:',
    `  disk: ${c.disk}`,
    `  layout: ${c.layout}`,
    `  filesystem: ${c.filesystem}`,
    `  swap: ${c.swap ?? '256MiB'}`,
    `hostname: ${c.hostname}`,
    `locale: ${c.locale}`,
    `timezone: ${c.timezone}`,
    'rtc: utc',
    'user:',
    '  name: alice',
    '  fullname: Alice Liddell',
    `  password: "${c.password}"`,
    'bootloader: auto',
    '',
  ].join('\n');
}

/** The Debian fixture's sysroots directory (built once, 2-6 min; cached afterwards). */
export async function debianSysroots(): Promise<string> {
  return (await execa('bash', [BUILD], { timeout: 1_500_000 })).stdout.trim();
}

export interface LayeredSource {
  /** CLI options that install from it. */
  args: string[];
  release(): Promise<void>;
}

/** The fixture packed as three squashfs layers and composed as the loader does (the layer copier's path). */
export async function composedLayeredDebian(sysroots: string, run: string): Promise<LayeredSource> {
  const { medium } = await layeredDebian(join(sysroots, 'debian'));
  await execa('bash', [COMPOSE, 'mount', medium, run]);
  return {
    args: ['--medium', medium, '--sysroots', join(run, 'sysroots')],
    release: async () => void (await execa('bash', [COMPOSE, 'umount', run], { reject: false })),
  };
}

/** `livekit install --yes --json`; throws with the error event and stderr when it fails. */
export async function installWithCli(config: string, source: string[], log: string): Promise<CliResult> {
  const r = await runCli(['install', '--config', config, '--yes', '--json', ...source, '--log', log]);
  if (r.code !== 0) {
    const failure = jsonEvents(r.stdout).find((e) => e.type === 'error');
    throw new Error(`install failed (${r.code}): ${JSON.stringify(failure)}\n${r.stderr.slice(-2000)}`);
  }
  return r;
}

/** Boots `image` in QEMU (TCG) and logs in as `user` over the serial console; `until` ends the run. */
export async function bootToLogin(o: {
  image: string;
  uefi: boolean;
  varsDir: string;
  hostname: string;
  user: string;
  password: string;
  /** Typed once logged in; its output must match `until`. */
  command: string;
  until: RegExp;
  logFile: string;
  timeoutMs?: number;
}): Promise<QemuResult> {
  let firmware: string[] = [];
  if (o.uefi) {
    const vars = join(o.varsDir, 'OVMF_VARS.fd');
    copyFileSync(OVMF_VARS, vars);
    firmware = ['-drive', `if=pflash,format=raw,readonly=on,file=${OVMF_CODE}`, '-drive', `if=pflash,format=raw,file=${vars}`];
  }
  return runQemu({
    args: [...firmware, '-drive', `if=virtio,format=raw,file=${o.image}`],
    keys: [
      { after: new RegExp(`${o.hostname} login: ?$`, 'm'), send: `${o.user}\r` },
      // The prompt speaks the installed locale ("Mot de passe :" for fr_FR): match its colon.
      { after: /\S ?: ?$/m, send: `${o.password}\r` },
      { after: /\$ ?$/m, send: `${o.command}\r` },
    ],
    until: o.until,
    timeoutMs: o.timeoutMs ?? 600_000,
    memoryMiB: 1536,
    logFile: o.logFile,
  });
}
