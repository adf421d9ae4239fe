#!/usr/bin/env node
// A native-`solc`-shaped command line around solc-js (the npm `solc` package, WebAssembly build).
//
// There is no native solc on this project's package registries, and the `solcjs` CLI truncates piped
// output at 64 KiB. This wrapper implements the subset of the native CLI that py-solc-x / ape-solidity
// and crytic-compile (slither's `solc-json` framework) use:
//
//   solc --version
//   solc --standard-json [FILE|-] [--base-path DIR] [--include-path DIR]... [--allow-paths D1,D2]
//
// Standard JSON is read from stdin (or FILE), imports and `urls` sources are resolved by an import
// callback the way the native Host Filesystem Loader does (base path, then each include path, then the
// name as given, i.e. relative to the working directory or absolute), and the output JSON is written
// to stdout with blocking writes so that large outputs are never truncated.
'use strict';

const fs = require('fs');
const path = require('path');

function loadSolc() {
  const candidates = [
    process.env.JCM_SOLCJS_MODULE, // a field of registry_client.settings (docs/settings.md)
    path.join(__dirname, '..', 'node_modules', 'solc'),
    'solc',
  ].filter(Boolean);
  let lastErr;
  for (const c of candidates) {
    try {
      return require(c);
    } catch (e) {
      lastErr = e;
    }
  }
  process.stderr.write(`solc wrapper: cannot load solc-js (run \`npm ci\`): ${lastErr}\n`);
  process.exit(1);
}

function writeAllSync(fd, text) {
  const buf = Buffer.from(text, 'utf8');
  let off = 0;
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  while (off < buf.length) {
    try {
      off += fs.writeSync(fd, buf, off, buf.length - off);
    } catch (e) {
      if (e.code === 'EAGAIN') {
        Atomics.wait(sleeper, 0, 0, 5); // pipe full and non-blocking: wait for the reader
        continue;
      }
      throw e;
    }
  }
}

function readAllSync(fd) {
  const chunks = [];
  const buf = Buffer.alloc(1 << 16);
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    let n;
    try {
      n = fs.readSync(fd, buf, 0, buf.length, null);
    } catch (e) {
      if (e.code === 'EAGAIN') {
        Atomics.wait(sleeper, 0, 0, 5);
        continue;
      }
      if (e.code === 'EOF') break;
      throw e;
    }
    if (n === 0) break;
    chunks.push(Buffer.from(buf.subarray(0, n)));
  }
  return Buffer.concat(chunks).toString('utf8');
}

function usage(code) {
  const text =
    'solc (solc-js wrapper)\n\n' +
    'Usage:\n' +
    '  solc --version\n' +
    '  solc --standard-json [FILE|-] [--base-path DIR] [--include-path DIR]... [--allow-paths DIRS]\n';
  writeAllSync(code === 0 ? 1 : 2, text);
  process.exit(code);
}

function fail(msg) {
  writeAllSync(2, `Error: ${msg}\n`);
  process.exit(1);
}

function parseArgs(argv) {
  const opts = { version: false, standardJson: false, basePath: '', includePaths: [], allowPaths: [], input: null };
  const takeValue = (i, name) => {
    if (i + 1 >= argv.length) fail(`option ${name} needs a value`);
    return argv[i + 1];
  };
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i];
    let inline = null;
    if (a.startsWith('--') && a.includes('=')) {
      inline = a.slice(a.indexOf('=') + 1);
      a = a.slice(0, a.indexOf('='));
    }
    const value = () => {
      if (inline !== null) return inline;
      const v = takeValue(i, a);
      i += 1;
      return v;
    };
    switch (a) {
      case '--version':
        opts.version = true;
        break;
      case '--help':
      case '-h':
        usage(0);
        break;
      case '--standard-json':
        opts.standardJson = true;
        break;
      case '--base-path':
        opts.basePath = value();
        break;
      case '--include-path':
      case '-I':
        opts.includePaths.push(value());
        break;
      case '--allow-paths':
        opts.allowPaths.push(...value().split(',').filter(Boolean));
        break;
      case '--pretty-json':
      case '--json-indent':
        // accepted for compatibility; output is compact JSON like native solc's default
        if (a === '--json-indent') value();
        break;
      case '--no-import-callback':
        opts.noImportCallback = true;
        break;
      default:
        if (a === '-' || !a.startsWith('-')) {
          if (opts.input !== null) fail('only one input file is supported with --standard-json');
          opts.input = a;
        } else {
          fail(`unsupported option ${a} (this is a solc-js wrapper; see tools/solc.js)`);
        }
    }
  }
  return opts;
}

function makeImportCallback(opts) {
  const cwd = process.cwd();
  const roots = [];
  if (opts.basePath) roots.push(path.resolve(cwd, opts.basePath));
  for (const p of opts.includePaths) roots.push(path.resolve(cwd, p));
  return function findImports(sourceUnitName) {
    const tried = [];
    const candidates = [];
    if (path.isAbsolute(sourceUnitName)) {
      candidates.push(sourceUnitName);
    } else {
      for (const r of roots) candidates.push(path.join(r, sourceUnitName));
      candidates.push(path.resolve(cwd, sourceUnitName));
    }
    for (const c of candidates) {
      tried.push(c);
      try {
        if (fs.statSync(c).isFile()) return { contents: fs.readFileSync(c, 'utf8') };
      } catch (_) {
        // not there; try the next root
      }
    }
    return { error: `File not found. Searched the following locations: ${tried.map((t) => `"${t}"`).join(', ')}.` };
  };
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  const solc = loadSolc();
  // solc-js reports e.g. 0.8.28+commit.7893614a.Emscripten.clang; native solc says .Linux.g++
  const longVersion = solc.version().replace(/\.Emscripten\.clang$/, '.Linux.g++');
  if (opts.version) {
    writeAllSync(1, `solc, the solidity compiler commandline interface\nVersion: ${longVersion}\n`);
    return;
  }
  if (!opts.standardJson) usage(1);
  const input =
    opts.input && opts.input !== '-' ? fs.readFileSync(opts.input, 'utf8') : readAllSync(0);
  const callbacks = opts.noImportCallback ? {} : { import: makeImportCallback(opts) };
  const output = solc.compile(input, callbacks);
  writeAllSync(1, output.endsWith('\n') ? output : `${output}\n`);
}

main();
