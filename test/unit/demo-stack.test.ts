import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { aptInstall } from '../../demo/stack.ts';

describe('the demo’s install hint', () => {
  it('does not assume sudo: plain as root, sudo only where it exists, otherwise "as root"', () => {
    const withSudo = mkdtempSync(join(tmpdir(), 'sudo-bin-'));
    onTestFinished(() => rmSync(withSudo, { recursive: true, force: true }));
    writeFileSync(join(withSudo, 'sudo'), '#!/bin/sh\n');
    chmodSync(join(withSudo, 'sudo'), 0o755);
    const pkgs = ['prometheus', 'prometheus-alertmanager'];
    expect(aptInstall(pkgs, { uid: 0, path: withSudo })).toBe(
      'apt-get install prometheus prometheus-alertmanager',
    );
    expect(aptInstall(pkgs, { uid: 1000, path: withSudo })).toBe(
      'sudo apt-get install prometheus prometheus-alertmanager',
    );
    expect(aptInstall(pkgs, { uid: 1000, path: '/nonexistent' })).toBe(
      'apt-get install prometheus prometheus-alertmanager   (as root)',
    );
  });
});
