// Makes sure the browser tests have Debian's chromium: installs it with apt-get when it is
// missing and this runs as root, and otherwise says what to install and fails (the tests never
// skip). CHROMIUM_PATH points the tests at another Chromium build.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const DEFAULT_PATH = '/usr/bin/chromium';
const PACKAGES = ['chromium', 'fonts-liberation', 'fonts-dejavu-core'];
// Other jobs on the machine may hold the dpkg lock for a while.
const APT = ['apt-get', '-o', 'DPkg::Lock::Timeout=600', '-qq'];

const path = process.env.CHROMIUM_PATH || DEFAULT_PATH;
if (existsSync(path)) {
  process.exit(0);
}

const manual = `Install Debian's Chromium (as root: apt-get update && apt-get install -y ${PACKAGES.join(' ')}), or set CHROMIUM_PATH to a Chromium binary.`;
if (process.env.CHROMIUM_PATH) {
  console.error(`CHROMIUM_PATH=${path} does not exist. ${manual}`);
  process.exit(1);
}
const hasApt = spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;
if (process.getuid?.() !== 0 || !hasApt) {
  console.error(`The browser tests need ${DEFAULT_PATH}, which is missing. ${manual}`);
  process.exit(1);
}

console.log(`Installing ${PACKAGES.join(', ')} with apt-get for the browser tests`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
for (const args of [['update'], ['install', '-y', '--no-install-recommends', ...PACKAGES]]) {
  const run = spawnSync(APT[0], [...APT.slice(1), ...args], { stdio: 'inherit', env });
  if (run.status !== 0) {
    console.error(`apt-get ${args[0]} failed (exit ${run.status}). ${manual}`);
    process.exit(1);
  }
}
if (!existsSync(DEFAULT_PATH)) {
  console.error(`apt-get installed chromium but ${DEFAULT_PATH} is still missing. ${manual}`);
  process.exit(1);
}
