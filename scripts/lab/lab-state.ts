/*
 * A small file the running lab writes so other tools find it: `lab:consumer` reads the ARM
 * emulator's URL from it, and tests read the process id. `.local/lab.json` in the repository
 * (git-ignored) unless LAB_STATE_FILE points elsewhere. Removed when the lab stops.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';

export const labStateSchema = z.object({
  pid: z.number().int(),
  startedAt: z.string(),
  scenario: z.string(),
  baseUrl: z.string(),
  dashboardUrl: z.string(),
  armEndpoint: z.string(),
  backendUrl: z.string().nullable(),
  dataPath: z.object({ addressing: z.enum(['addresses', 'ports']), port: z.number().int().nullable() }),
  privateLinkServices: z.array(z.object({ name: z.string(), id: z.string(), alias: z.string() })),
  endpoints: z.record(z.string(), z.string()),
  /** The webhook sink (GET / lists what it received). */
  notifySinkUrl: z.string().nullable(),
  /** The ingestion stand-in (GET /lab/availability tallies what it received; https with this certificate). */
  ingestion: z.object({ url: z.string(), ca: z.string() }).nullable(),
});

export type LabState = z.infer<typeof labStateSchema>;

export function labStatePath(
  appRoot: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): string {
  const configured = env.LAB_STATE_FILE?.trim();
  return configured === undefined || configured === '' ? join(appRoot, '.local', 'lab.json') : configured;
}

export function writeLabState(path: string, state: LabState): void {
  mkdirSync(dirname(path), { recursive: true });
  // Write-then-rename would be atomic, but a reader only needs a complete file; this file is tiny.
  writeFileSync(path, `${JSON.stringify(state, null, 2)}\n`);
}

/** The running lab's state, or undefined when there is none (or it belongs to a process that has ended). */
export function readLabState(path: string): LabState | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = labStateSchema.safeParse(json);
  if (!parsed.success || !isAlive(parsed.data.pid)) return undefined;
  return parsed.data;
}

export function removeLabState(path: string, pid = process.pid): void {
  try {
    const current = JSON.parse(readFileSync(path, 'utf8')) as { pid?: unknown };
    if (current.pid !== pid) return; // another lab's file: not ours to remove
    rmSync(path, { force: true });
  } catch {
    // Already gone.
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
