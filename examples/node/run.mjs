// Runs a WASI command component under Node.js through jco: the component
// is transpiled to JavaScript (cached by content), and preview2-shim gives
// it the directories, environment and arguments named here, nothing else.
//
//   node examples/node/run.mjs [--dir HOST::GUEST]... [--env NAME[=VALUE]]...
//                              [--cwd GUEST] COMPONENT.wasm [ARGS...]
//
// Use the portable build of a composed component (osbox compose --portable):
// it imports only WASI. Functions that need the osbox host (chmod, statvfs,
// spawning programs) raise OSError ENOSYS here.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { transpile } from '@bytecodealliance/jco';
import { _setArgs, _setCwd, _setEnv } from '@bytecodealliance/preview2-shim/cli';
import { _setPreopens } from '@bytecodealliance/preview2-shim/filesystem';

const usage = 'usage: node run.mjs [--dir HOST::GUEST]... [--env NAME[=VALUE]]... [--cwd GUEST] COMPONENT.wasm [ARGS...]';

function parse(argv) {
  const opts = { preopens: {}, env: {}, cwd: undefined, component: undefined, args: [] };
  let i = 0;
  const value = (flag) => {
    if (i + 1 >= argv.length) throw new Error(`${flag} needs a value\n${usage}`);
    return argv[++i];
  };
  for (; i < argv.length && opts.component === undefined; i++) {
    const a = argv[i];
    if (a === '--dir') {
      const spec = value(a);
      const at = spec.lastIndexOf('::');
      const [host, guest] = at < 0 ? [spec, spec] : [spec.slice(0, at), spec.slice(at + 2)];
      opts.preopens[guest] = resolve(host);
    } else if (a === '--env') {
      const spec = value(a);
      const eq = spec.indexOf('=');
      if (eq < 0) {
        if (process.env[spec] !== undefined) opts.env[spec] = process.env[spec];
      } else {
        opts.env[spec.slice(0, eq)] = spec.slice(eq + 1);
      }
    } else if (a === '--cwd') {
      opts.cwd = value(a);
    } else if (a.startsWith('--')) {
      throw new Error(`unknown option ${a}\n${usage}`);
    } else {
      opts.component = a;
    }
  }
  if (opts.component === undefined) throw new Error(usage);
  opts.args = argv.slice(i);
  opts.cwd ??= Object.keys(opts.preopens)[0] ?? '/';
  return opts;
}

/// The transpiled component's entry module, transpiled once per content.
async function transpiled(wasmPath) {
  const bytes = await readFile(wasmPath);
  const name = basename(wasmPath).replace(/\.wasm$/, '').replace(/[^A-Za-z0-9_-]/g, '_') || 'component';
  const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
  // Inside this package, so the generated code finds preview2-shim.
  const out = join(dirname(fileURLToPath(import.meta.url)), '.cache', `${name}-${hash}`);
  const entry = join(out, `${name}.js`);
  try {
    await readFile(entry);
    return entry;
  } catch {}
  const { files } = await transpile(bytes, { name, noTypescript: true });
  const tmp = `${out}.tmp-${process.pid}`;
  for (const [file, data] of Object.entries(files)) {
    await mkdir(dirname(join(tmp, file)), { recursive: true });
    await writeFile(join(tmp, file), data);
  }
  await writeFile(join(tmp, 'package.json'), '{"type":"module"}\n');
  try {
    await rename(tmp, out);
  } catch {} // another run got there first
  return entry;
}

let opts;
try {
  opts = parse(process.argv.slice(2));
} catch (e) {
  console.error(e.message);
  process.exit(2);
}
const entry = await transpiled(opts.component);
_setPreopens(opts.preopens);
_setEnv(opts.env);
_setArgs([basename(opts.component), ...opts.args]);
_setCwd(opts.cwd);
// The shim is configured before the component's module is evaluated: its
// instantiation reads the preopens.
const { run } = await import(pathToFileURL(entry).href);
try {
  run.run();
} catch (e) {
  // wasi:cli/run returned its error case: the program failed, and said why
  // on stderr itself (a Rust main returning a non-zero ExitCode).
  if (e?.constructor?.name === 'ComponentError' && e.payload === undefined) process.exit(1);
  // Anything else is a trap. (A component's exit(n) ends the process itself.)
  console.error(`run failed: ${e?.stack ?? e}`);
  process.exit(1);
}
