import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { afterEach, describe, expect, it } from 'vitest';
import { stagePackage } from '../../../scripts/package-stage';

/** The staged package is the zip unpacked: the same bytes, nothing left over from before, nothing outside its folder. */
describe('stagePackage', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes exactly the zip’s files, byte for byte, and removes what an earlier package left', () => {
    dir = mkdtempSync(join(tmpdir(), 'plg-stage-'));
    const main = Buffer.from([0, 1, 2, 255, 10, 13]);
    const zip = join(dir, 'app.zip');
    writeFileSync(
      zip,
      zipSync({ 'package.json': Buffer.from('{"main":"dist/bundle/main.js"}'), 'dist/bundle/main.js': main }),
    );
    const target = join(dir, 'app');
    stagePackage(zip, target);
    writeFileSync(join(target, 'stale.js'), 'left over');

    expect(stagePackage(zip, target)).toEqual(['dist/bundle/main.js', 'package.json']);
    expect(readFileSync(join(target, 'dist', 'bundle', 'main.js'))).toEqual(main);
    expect(existsSync(join(target, 'stale.js'))).toBe(false);
  });

  it('refuses an entry that would land outside the folder', () => {
    dir = mkdtempSync(join(tmpdir(), 'plg-stage-'));
    const zip = join(dir, 'evil.zip');
    writeFileSync(zip, zipSync({ '../outside.js': Buffer.from('x') }));
    expect(() => stagePackage(zip, join(dir, 'app'))).toThrow(/outside its folder/);
    expect(existsSync(join(dir, 'outside.js'))).toBe(false);
  });
});
