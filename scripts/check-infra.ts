// `npm run check:infra`: compiles and lints every Bicep file under infra/ with the official Bicep CLI.
// Exit 0 when every entry point, module and parameter file builds and the linter reports nothing;
// 1 with the diagnostics otherwise; 2 when no compiler could be found or restored (with the hint).
import { spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';

/** The Bicep CLI this project pins when it restores one itself (NuGet `Azure.Bicep.CommandLine.<rid>`). */
export const BICEP_VERSION = '0.49.2';

export const INSTALL_HINT =
  'install the Bicep CLI (https://aka.ms/bicep/install: a `bicep` on PATH, or `az bicep install`), ' +
  `or the .NET SDK so that \`npm run check:infra\` can restore Azure.Bicep.CommandLine ${BICEP_VERSION} from NuGet`;

export interface BicepCli {
  /** Executable and the arguments that come before a bicep sub-command (`az bicep` needs none extra). */
  readonly command: string;
  readonly prefix: readonly string[];
  /** Where it came from, for the report: PATH, az, cache or restored. */
  readonly source: string;
  readonly version: string;
}

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function run(
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    // A missing executable is "not found", not a crash of the check.
    child.on('error', (e) => resolve({ code: 127, stdout, stderr: stderr + String(e) }));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/** The repository root, whether this file runs compiled (dist/scripts) or from source (scripts/). */
export function repoRoot(from: string = __dirname): string {
  let dir = from;
  while (!(existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'infra')))) {
    const parent = join(dir, '..');
    if (parent === dir) throw new Error(`no repository root above ${from}`);
    dir = parent;
  }
  return dir;
}

/** The NuGet runtime id of the CLI package for this machine, or undefined where none is published. */
export function runtimeId(
  platform: NodeJS.Platform = process.platform,
  arch: string = process.arch,
): string | undefined {
  const os =
    platform === 'linux' ? 'linux' : platform === 'darwin' ? 'osx' : platform === 'win32' ? 'win' : undefined;
  const cpu = arch === 'x64' ? 'x64' : arch === 'arm64' ? 'arm64' : undefined;
  return os === undefined || cpu === undefined ? undefined : `${os}-${cpu}`;
}

export function cacheDir(root: string = repoRoot()): string {
  return process.env.BICEP_CACHE_DIR ?? join(root, 'node_modules', '.cache', 'bicep');
}

function versionOf(output: string): string | undefined {
  return /(\d+\.\d+\.\d+)/.exec(output)?.[1];
}

/** The binary inside a restored package folder (NuGet lower-cases the package id in the folder name). */
export function cachedBinary(cache: string, rid: string, version = BICEP_VERSION): string {
  const exe = rid.startsWith('win') ? 'bicep.exe' : 'bicep';
  return join(cache, `azure.bicep.commandline.${rid}`, version, 'tools', exe);
}

async function tryCli(
  command: string,
  prefix: readonly string[],
  source: string,
): Promise<BicepCli | undefined> {
  const r = await run(command, [...prefix, '--version']);
  const version = r.code === 0 ? versionOf(r.stdout + r.stderr) : undefined;
  return version === undefined ? undefined : { command, prefix, source, version };
}

/**
 * A Bicep CLI already on this machine: BICEP_PATH, `bicep` on PATH, the Azure CLI's own copy
 * (`az bicep`), or one this script restored before. Never downloads anything.
 */
export async function findBicep(root: string = repoRoot()): Promise<BicepCli | undefined> {
  const explicit = process.env.BICEP_PATH;
  if (explicit !== undefined && explicit !== '') return tryCli(explicit, [], 'BICEP_PATH');
  const onPath = await tryCli('bicep', [], 'PATH');
  if (onPath !== undefined) return onPath;
  // `az bicep version` prints the installed CLI's version; `az bicep build` passes arguments through.
  const az = await run('az', ['bicep', 'version', '--only-show-errors']);
  const azVersion = az.code === 0 ? versionOf(az.stdout + az.stderr) : undefined;
  if (azVersion !== undefined) return { command: 'az', prefix: ['bicep'], source: 'az', version: azVersion };
  const rid = runtimeId();
  if (rid === undefined) return undefined;
  const binary = cachedBinary(cacheDir(root), rid);
  return existsSync(binary) ? tryCli(binary, [], 'cache') : undefined;
}

/**
 * Restores Azure.Bicep.CommandLine.<rid> from the NuGet feed with `dotnet restore` of a throwaway
 * project whose only item is a PackageDownload (no assets, no build), into the cache folder.
 */
export async function restoreBicep(
  root: string = repoRoot(),
  log: (line: string) => void = () => {},
): Promise<BicepCli | undefined> {
  const rid = runtimeId();
  if (rid === undefined) {
    log(`no Bicep CLI package for ${process.platform}-${process.arch}`);
    return undefined;
  }
  const dotnet = await run('dotnet', ['--version']);
  const major = dotnet.code === 0 ? /^(\d+)\./.exec(dotnet.stdout.trim())?.[1] : undefined;
  if (major === undefined) {
    log('dotnet is not installed');
    return undefined;
  }
  const cache = cacheDir(root);
  mkdirSync(cache, { recursive: true });
  const project = mkdtempSync(join(tmpdir(), 'bicep-restore-'));
  try {
    // PackageDownload needs an exact version in brackets; the target framework only has to be one the
    // installed SDK knows, so it follows the SDK's own major version.
    writeFileSync(
      join(project, 'restore.csproj'),
      [
        '<Project Sdk="Microsoft.NET.Sdk">',
        `  <PropertyGroup><TargetFramework>net${major}.0</TargetFramework></PropertyGroup>`,
        `  <ItemGroup><PackageDownload Include="Azure.Bicep.CommandLine.${rid}" Version="[${BICEP_VERSION}]" /></ItemGroup>`,
        '</Project>',
        '',
      ].join('\n'),
    );
    log(`restoring Azure.Bicep.CommandLine.${rid} ${BICEP_VERSION} into ${relative(root, cache) || cache}`);
    const env = {
      ...process.env,
      DOTNET_CLI_TELEMETRY_OPTOUT: '1',
      DOTNET_NOLOGO: '1',
      DOTNET_SKIP_FIRST_TIME_EXPERIENCE: '1',
    };
    const r = await run(
      'dotnet',
      ['restore', join(project, 'restore.csproj'), '--packages', cache, '--nologo', '-v', 'q'],
      { env },
    );
    if (r.code !== 0) {
      log(`dotnet restore failed:\n${(r.stdout + r.stderr).trim()}`);
      return undefined;
    }
  } finally {
    rmSync(project, { recursive: true, force: true });
  }
  const binary = cachedBinary(cache, rid);
  if (!existsSync(binary)) {
    log(`the restored package has no ${binary}`);
    return undefined;
  }
  // NuGet extracts without the execute bit for group and others; make it runnable for everyone.
  chmodSync(binary, statSync(binary).mode | 0o755);
  const cli = await tryCli(binary, [], 'restored');
  if (cli === undefined) log(`${binary} does not run`);
  return cli;
}

/** A CLI on this machine, else one restored from NuGet; undefined when neither works. */
export async function obtainBicep(
  root: string = repoRoot(),
  log: (line: string) => void = () => {},
): Promise<BicepCli | undefined> {
  return (await findBicep(root)) ?? restoreBicep(root, log);
}

export interface Diagnostic {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly level: 'Error' | 'Warning' | 'Info';
  readonly code: string;
  readonly message: string;
}

// The CLI's default diagnostics format: `path(line,col) : Level code: message [link]`.
const DIAGNOSTIC = /^(.+?)\((\d+),(\d+)\)\s*:\s*(Error|Warning|Info)\s+([\w-]+):\s*(.*)$/;

export function parseDiagnostics(output: string, root: string): Diagnostic[] {
  const found: Diagnostic[] = [];
  for (const line of output.split(/\r?\n/)) {
    const m = DIAGNOSTIC.exec(line.trim());
    if (m === null) continue;
    found.push({
      file: relative(root, m[1] ?? '')
        .split(sep)
        .join('/'),
      line: Number(m[2]),
      column: Number(m[3]),
      level: m[4] as Diagnostic['level'],
      code: m[5] ?? '',
      message: (m[6] ?? '').replace(/\s*\[https?:\/\/[^\]]+\]$/, ''),
    });
  }
  return found;
}

/** Every .bicep / .bicepparam file under dir, repo-relative with forward slashes, sorted. */
export function infraFiles(root: string, dir = 'infra'): { templates: string[]; params: string[] } {
  const all: string[] = [];
  const walk = (d: string): void => {
    for (const entry of readdirSync(join(root, d), { withFileTypes: true })) {
      const path = `${d}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else all.push(path);
    }
  };
  walk(dir);
  all.sort();
  return {
    templates: all.filter((f) => f.endsWith('.bicep')),
    params: all.filter((f) => f.endsWith('.bicepparam')),
  };
}

export interface CheckReport {
  readonly cli: BicepCli;
  readonly templates: readonly string[];
  readonly params: readonly string[];
  /** Distinct diagnostics of build, build-params and lint (the same one reported twice counts once). */
  readonly diagnostics: readonly Diagnostic[];
  /** Non-zero exits without a parsed diagnostic (e.g. a crash), with their output. */
  readonly failures: readonly string[];
}

// Parameter files read these with readEnvironmentVariable and no default (secrets never live in a
// file); a build needs some value, which only ends up in a temporary folder that is deleted.
const BUILD_ONLY_ENV: Readonly<Record<string, string>> = {
  LAB_ADMIN_PASSWORD: 'check-infra-placeholder-Aa1!',
};

/** Builds every template and parameter file and lints them all, collecting every diagnostic. */
export async function checkInfra(cli: BicepCli, root: string = repoRoot()): Promise<CheckReport> {
  const { templates, params } = infraFiles(root);
  const out = mkdtempSync(join(tmpdir(), 'bicep-out-'));
  const env = { ...BUILD_ONLY_ENV, ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1' };
  const bicep = (args: string[]): Promise<RunResult> =>
    run(cli.command, [...cli.prefix, ...args], { env, cwd: root });
  try {
    // --pattern compiles many files in one process: the CLI's start-up is most of the cost of a file.
    const steps: [string, string[]][] = [
      ['build', ['build', '--pattern', 'infra/**/*.bicep', '--outdir', join(out, 'templates')]],
      [
        'build-params',
        ['build-params', '--pattern', 'infra/**/*.bicepparam', '--outdir', join(out, 'params')],
      ],
      ['lint', ['lint', '--pattern', 'infra/**/*.bicep*']],
    ];
    const results = await Promise.all(steps.map(([, args]) => bicep(args)));
    const seen = new Set<string>();
    const diagnostics: Diagnostic[] = [];
    const failures: string[] = [];
    results.forEach((r, i) => {
      const parsed = parseDiagnostics(r.stdout + r.stderr, root);
      for (const d of parsed) {
        const key = `${d.file}:${d.line}:${d.column}:${d.code}`;
        if (seen.has(key)) continue;
        seen.add(key);
        diagnostics.push(d);
      }
      if (r.code !== 0 && parsed.every((d) => d.level !== 'Error')) {
        failures.push(`bicep ${steps[i]?.[0]} exited ${r.code}: ${(r.stdout + r.stderr).trim()}`);
      }
    });
    // A pattern that silently matched nothing would pass; every file must have produced its JSON.
    for (const t of templates) {
      if (!existsSync(join(out, 'templates', t.replace(/^infra\//, '').replace(/\.bicep$/, '.json')))) {
        if (!diagnostics.some((d) => d.file === t && d.level === 'Error'))
          failures.push(`${t} produced no ARM template`);
      }
    }
    for (const p of params) {
      if (!existsSync(join(out, 'params', p.replace(/^infra\//, '').replace(/\.bicepparam$/, '.json')))) {
        if (!diagnostics.some((d) => d.file === p && d.level === 'Error'))
          failures.push(`${p} produced no parameters file`);
      }
    }
    return { cli, templates, params, diagnostics, failures };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.column} ${d.level.toLowerCase()} ${d.code}: ${d.message}`;
}

async function main(): Promise<number> {
  const started = Date.now();
  const root = repoRoot();
  const cli = await obtainBicep(root, (line) => console.log(`check:infra: ${line}`));
  if (cli === undefined) {
    console.error(`check:infra: no Bicep CLI: ${INSTALL_HINT}`);
    return 2;
  }
  console.log(
    `check:infra: Bicep CLI ${cli.version} (${cli.source}: ${[cli.command, ...cli.prefix].join(' ')})`,
  );
  const report = await checkInfra(cli, root);
  for (const d of report.diagnostics) console.log(formatDiagnostic(d));
  for (const f of report.failures) console.log(f);
  const problems = report.diagnostics.length + report.failures.length;
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(
    `check:infra: ${report.templates.length} templates and ${report.params.length} parameter files built and linted, ` +
      `${problems} problem(s) in ${seconds} s`,
  );
  return problems === 0 ? 0 : 1;
}

if (require.main === module) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
