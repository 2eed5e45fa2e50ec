// `worktrain daemon install|uninstall` (docs/worktrain.md §10, service installation): a systemd user unit on Linux,
// a launchd agent on macOS. Service files carry only PATH and, if set, WORKRAIL_HOME: never a secret.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { workrailHomeOf } from '../../daemon/daemon.js';
import type { CliIo } from '../io.js';
import { WT_EXIT } from './worktrain-client.js';

export const SYSTEMD_UNIT = 'worktrain.service';
export const LAUNCHD_LABEL = 'io.worktrain.daemon';

/** What a service file starts: this Node binary running this package's `worktrain` CLI. */
export interface ServiceCommand {
  readonly node: string;
  readonly cli: string;
  /** `PATH` and, when set, `WORKRAIL_HOME`. */
  readonly env: { readonly [name: string]: string };
  readonly home: string;
  readonly logFile: string;
}

export type ServicePlatform = 'systemd' | 'launchd';

/** The `worktrain` entry point of this package (bin/worktrain.mjs), from src/ or dist/ alike. */
export function cliEntry(): string {
  return fileURLToPath(new URL('../../../bin/worktrain.mjs', import.meta.url));
}

export function daemonLogFile(env: CliIo['env']): string {
  return path.join(workrailHomeOf(env), 'logs', 'daemon.log');
}

export function servicePlatform(platform: NodeJS.Platform = process.platform): ServicePlatform | null {
  return platform === 'linux' ? 'systemd' : platform === 'darwin' ? 'launchd' : null;
}

export function serviceFile(kind: ServicePlatform, env: CliIo['env']): string {
  const home = userHome(env);
  return kind === 'systemd'
    ? path.join(home, '.config', 'systemd', 'user', SYSTEMD_UNIT)
    : path.join(home, 'Library', 'LaunchAgents', `${LAUNCHD_LABEL}.plist`);
}

export function serviceCommand(env: CliIo['env']): ServiceCommand {
  const workrailHome = env.WORKRAIL_HOME;
  return {
    node: process.execPath,
    cli: cliEntry(),
    env: {
      PATH: env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      ...(workrailHome === undefined || workrailHome === '' ? {} : { WORKRAIL_HOME: path.resolve(workrailHome) }),
    },
    home: userHome(env),
    logFile: daemonLogFile(env),
  };
}

/** The systemd user unit. Values are quoted for systemd (`"`, `\` escaped; `%` doubled). */
export function systemdUnit(command: ServiceCommand): string {
  const quote = (value: string) => `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%')}"`;
  const log = command.logFile.replace(/%/g, '%%');
  return [
    '# Written by `worktrain daemon install`; remove it with `worktrain daemon uninstall`.',
    '[Unit]',
    'Description=WorkTrain daemon (WorkRail)',
    'After=network-online.target',
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${quote(command.node)} ${quote(command.cli)} daemon run`,
    'WorkingDirectory=%h',
    ...Object.entries(command.env).map(([name, value]) => `Environment=${quote(`${name}=${value}`)}`),
    `StandardOutput=append:${log}`,
    `StandardError=append:${log}`,
    'Restart=on-failure',
    'RestartSec=10',
    '',
    '[Install]',
    'WantedBy=default.target',
    '',
  ].join('\n');
}

/** The launchd agent; `autostart` adds RunAtLoad and a restart after a failed exit. */
export function launchdPlist(command: ServiceCommand, autostart: boolean): string {
  const xml = (value: string) =>
    value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  const string = (value: string) => `<string>${xml(value)}</string>`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<plist version="1.0">',
    '<dict>',
    `  <key>Label</key>${string(LAUNCHD_LABEL)}`,
    '  <key>ProgramArguments</key>',
    `  <array>${[command.node, command.cli, 'daemon', 'run'].map(string).join('')}</array>`,
    `  <key>WorkingDirectory</key>${string(command.home)}`,
    '  <key>EnvironmentVariables</key>',
    `  <dict>${Object.entries(command.env)
      .map(([name, value]) => `<key>${xml(name)}</key>${string(value)}`)
      .join('')}</dict>`,
    `  <key>StandardOutPath</key>${string(command.logFile)}`,
    `  <key>StandardErrorPath</key>${string(command.logFile)}`,
    ...(autostart
      ? ['  <key>RunAtLoad</key><true/>', '  <key>KeepAlive</key><dict><key>SuccessfulExit</key><false/></dict>']
      : []),
    '</dict>',
    '</plist>',
    '',
  ].join('\n');
}

/** True when `name` is an executable file on `env.PATH`. */
export function onPath(name: string, env: CliIo['env']): boolean {
  return (env.PATH ?? '').split(path.delimiter).some((dir) => {
    if (dir === '') return false;
    try {
      accessSync(path.join(dir, name), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** The service manager's command that starts the installed service, or null when none is installed or usable. */
export function serviceStartCommand(env: CliIo['env']): readonly string[] | null {
  const kind = servicePlatform();
  if (kind === null || !existsSync(serviceFile(kind, env))) return null;
  if (kind === 'systemd') return onPath('systemctl', env) ? ['systemctl', '--user', 'start', SYSTEMD_UNIT] : null;
  return onPath('launchctl', env) ? ['launchctl', 'kickstart', `gui/${uid()}/${LAUNCHD_LABEL}`] : null;
}

/** Runs a service manager command; returns its combined output when it fails, else null. */
export function runManager(argv: readonly string[], env: CliIo['env']): string | null {
  const [command, ...args] = argv as [string, ...string[]];
  const result = spawnSync(command, args, { env: { ...env }, encoding: 'utf8' });
  if (result.status === 0) return null;
  return `${argv.join(' ')} failed: ${(result.stderr || result.stdout || String(result.error ?? '')).trim()}`;
}

interface Ctx {
  readonly io: CliIo;
  readonly setExitCode: (code: number) => void;
}

export function installService(ctx: Ctx, options: { autostart?: boolean }): void {
  const { io } = ctx;
  const kind = servicePlatform();
  if (kind === null) {
    io.stderr(
      `worktrain daemon install supports Linux (systemd) and macOS (launchd), not ${process.platform}. ` +
        'Run the daemon under your own supervisor with: worktrain daemon run\n',
    );
    ctx.setExitCode(WT_EXIT.failed);
    return;
  }
  const command = serviceCommand(io.env);
  const file = serviceFile(kind, io.env);
  const existed = existsSync(file);
  mkdirSync(path.dirname(file), { recursive: true });
  mkdirSync(path.dirname(command.logFile), { recursive: true });
  writeFileSync(file, kind === 'systemd' ? systemdUnit(command) : launchdPlist(command, options.autostart === true), {
    mode: 0o644,
  });
  io.stdout(`${existed ? 'Updated' : 'Wrote'} ${file}\n`);
  const steps: string[][] =
    kind === 'systemd'
      ? [
          ['systemctl', '--user', 'daemon-reload'],
          ...(options.autostart === true ? [['systemctl', '--user', 'enable', '--now', SYSTEMD_UNIT]] : []),
        ]
      : [
          ...(existed ? [['launchctl', 'bootout', `gui/${uid()}/${LAUNCHD_LABEL}`]] : []),
          ['launchctl', 'bootstrap', `gui/${uid()}`, file],
        ];
  const manager = kind === 'systemd' ? 'systemctl' : 'launchctl';
  if (!onPath(manager, io.env)) {
    io.stdout(
      `${manager} is not on PATH, so nothing was registered yet. To finish, run:\n${steps.map((s) => `  ${s.join(' ')}\n`).join('')}`,
    );
    return;
  }
  for (const step of steps) {
    const failure = runManager(step, io.env);
    if (failure === null || step[1] === 'bootout') continue;
    io.stderr(
      `${failure}\n${
        kind === 'systemd'
          ? 'No user systemd instance? Run the daemon with `worktrain daemon run`, or enable one with `loginctl enable-linger $USER`.'
          : 'Run the daemon with `worktrain daemon run` instead.'
      }\n`,
    );
    ctx.setExitCode(WT_EXIT.failed);
    return;
  }
  io.stdout(
    options.autostart === true
      ? 'Installed; the daemon starts now and at every login.\n'
      : 'Installed. Start it with: worktrain daemon start\n',
  );
}

export function uninstallService(ctx: Ctx): void {
  const { io } = ctx;
  const kind = servicePlatform();
  if (kind === null) {
    io.stderr(`worktrain daemon uninstall supports Linux and macOS, not ${process.platform}\n`);
    ctx.setExitCode(WT_EXIT.failed);
    return;
  }
  const file = serviceFile(kind, io.env);
  if (!existsSync(file)) {
    io.stdout(`No WorkTrain service is installed (${file} does not exist).\n`);
    return;
  }
  const manager = kind === 'systemd' ? 'systemctl' : 'launchctl';
  const usable = onPath(manager, io.env);
  // Stop and unregister first; a service that is not loaded makes these fail, which is fine.
  if (usable && kind === 'systemd') runManager(['systemctl', '--user', 'disable', '--now', SYSTEMD_UNIT], io.env);
  if (usable && kind === 'launchd') runManager(['launchctl', 'bootout', `gui/${uid()}/${LAUNCHD_LABEL}`], io.env);
  rmSync(file, { force: true });
  if (usable && kind === 'systemd') runManager(['systemctl', '--user', 'daemon-reload'], io.env);
  io.stdout(`Removed ${file}\n`);
  if (!usable && kind === 'systemd') {
    io.stdout('systemctl is not on PATH; if the unit was loaded, run: systemctl --user daemon-reload\n');
  }
}

export function serviceInstalled(env: CliIo['env']): { installed: boolean; file: string | null } {
  const kind = servicePlatform();
  if (kind === null) return { installed: false, file: null };
  const file = serviceFile(kind, env);
  return { installed: existsSync(file), file };
}

function userHome(env: CliIo['env']): string {
  return env.HOME !== undefined && env.HOME !== '' ? env.HOME : os.homedir();
}

function uid(): number {
  return process.getuid?.() ?? 0;
}
