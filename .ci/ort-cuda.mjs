#!/usr/bin/env node
/**
 * `npm run ort:cuda [-- --strict]`: the opt-in install of onnxruntime-node's CUDA 12 execution
 * provider on Linux x64. `npm install` never runs onnxruntime-node's own download (package.json `allowScripts`),
 * because it fetches from NuGet and fails the whole install offline; this runs that same installer on purpose.
 *
 * It must be the ONNXRUNTIME_NODE_INSTALL variable, not the command-line flag: the installer reads the variable
 * first, then npm's `onnxruntime-node-install` config (a `.npmrc` skip), and only then its argv.
 *
 * Offline, the download fails: that is a warning and exit 0 (the CPU provider keeps working), or exit 1 with
 * --strict, for release builds that must ship CUDA. Any other failure is an error.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** Where the installer puts the CUDA provider, next to the CPU binaries that ship in the npm package. */
export const CUDA_PROVIDER = path.join('bin', 'napi-v6', 'linux', 'x64', 'libonnxruntime_providers_cuda.so');

const NETWORK_ERROR = /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|socket hang up|HTTP status code/;

export function plan({ platform, arch, installed }) {
  if (platform !== 'linux' || arch !== 'x64') return 'unsupported';
  return installed ? 'installed' : 'install';
}

/**
 * The installer's environment. onnxruntime-node 1.30.0 parses `cuda12` to "no flag given" and then, seeing npm's
 * `npm_package_json` next to `npm_config_local_prefix` (as under any `npm run`), takes itself for ORT's own
 * development checkout and exits 0 without downloading; without those two it installs what Linux x64 needs.
 */
export function installerEnv(env) {
  const clean = { ...env, ONNXRUNTIME_NODE_INSTALL: 'cuda12' };
  delete clean.npm_package_json;
  delete clean.npm_config_local_prefix;
  return clean;
}

export const isNetworkFailure = (output) => NETWORK_ERROR.test(output);

export function outcome({ code, output, strict }) {
  if (code === 0) return { exitCode: 0, message: 'CUDA execution provider installed; Omnidesk probes it at start and falls back to CPU.' };
  if (isNetworkFailure(output)) {
    return {
      exitCode: strict ? 1 : 0,
      message:
        `${strict ? 'error' : 'warning'}: could not download the CUDA execution provider from NuGet (no network?). ` +
        'The CPU provider keeps working; run `npm run ort:cuda` again with internet access.',
    };
  }
  return { exitCode: 1, message: `error: the CUDA execution provider install failed (exit code ${code}); see the output above.` };
}

function runInstaller(packageDir) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(packageDir, 'script', 'install.js')], {
      cwd: packageDir,
      env: installerEnv(process.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const relay = (chunk) => {
      output += chunk;
      process.stderr.write(chunk);
    };
    child.stdout.on('data', relay);
    child.stderr.on('data', relay);
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

async function main(args) {
  const strict = args.includes('--strict');
  const packageDir = path.dirname(createRequire(import.meta.url).resolve('onnxruntime-node/package.json'));
  const step = plan({
    platform: process.platform,
    arch: process.arch,
    installed: existsSync(path.join(packageDir, CUDA_PROVIDER)),
  });
  if (step === 'unsupported') {
    console.error(
      `ort:cuda: nothing to do on ${process.platform}/${process.arch}. onnxruntime-node downloads a CUDA provider ` +
        'for Linux x64 only; elsewhere the package already ships what it supports (CPU, plus DirectML on Windows ' +
        'and CoreML on macOS).',
    );
    return 0;
  }
  if (step === 'installed') {
    console.error(`ort:cuda: the CUDA execution provider is already installed (${CUDA_PROVIDER}).`);
    return 0;
  }
  console.error('ort:cuda: downloading the CUDA 12 execution provider for onnxruntime-node from NuGet…');
  const { exitCode, message } = outcome({ ...(await runInstaller(packageDir)), strict });
  console.error(`ort:cuda: ${message}`);
  return exitCode;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      console.error(`ort:cuda: ${error?.message ?? error}`);
      process.exitCode = 1;
    },
  );
}
