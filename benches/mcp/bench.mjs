// osbox mcp beside the reference filesystem server, on the same tree, both
// driven by the official TypeScript SDK client over stdio
// (tests/mcp/session.mjs). Run by hand, after `npm install` in tests/mcp
// and a release build of osbox:
//
//   cargo build --release -p osbox-cli
//   node benches/mcp/bench.mjs [OSBOX] [REPEAT]
//
// Prints two tables: the median latency of each call (read, list, tree),
// and what each server does with attempts to leave its directory.
import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, writeFileSync, symlinkSync, rmSync, realpathSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repo = join(dirname(fileURLToPath(import.meta.url)), "../..");
const osbox = resolve(process.argv[2] ?? join(repo, "target/release/osbox"));
const repeat = Number(process.argv[3] ?? 200);
const driver = join(repo, "tests/mcp/session.mjs");
const reference = join(repo, "tests/mcp/node_modules/@modelcontextprotocol/server-filesystem/dist/index.js");

/// A tree of 10 directories of 100 files each, a 1 MiB file, a canary
/// beside the tree and links that point out of it.
function plant() {
  const base = realpathSync(mkdtempSync(join(tmpdir(), "osbox-mcp-bench-")));
  const tree = join(base, "tree");
  for (let d = 0; d < 10; d++) {
    mkdirSync(join(tree, `dir${d}`, "sub"), { recursive: true });
    for (let f = 0; f < 100; f++) writeFileSync(join(tree, `dir${d}`, `file${f}.txt`), `line ${f}\n`.repeat(20));
  }
  writeFileSync(join(tree, "small.txt"), "hello\n".repeat(100));
  writeFileSync(join(tree, "big.txt"), "x".repeat(1023) + "\n".repeat(1) + "y".repeat(1 << 20));
  mkdirSync(join(base, "outside"));
  writeFileSync(join(base, "outside", "canary"), "secret\n");
  symlinkSync(join(base, "outside", "canary"), join(tree, "abs-link"));
  symlinkSync("../outside/canary", join(tree, "rel-link"));
  symlinkSync("../outside", join(tree, "dir-link"));
  return { base, tree };
}

function session(server, calls, n) {
  const out = execFileSync("node", [driver, ...server], {
    input: JSON.stringify({ calls, repeat: n }),
    cwd: join(repo, "tests/mcp"),
    stdio: ["pipe", "pipe", "ignore"],
    maxBuffer: 1 << 30,
  });
  return JSON.parse(out.toString());
}

const { base, tree } = plant();
const servers = {
  osbox: [osbox, `--dir=${tree}::${tree}`, "mcp"],
  reference: ["node", reference, tree],
};

const timed = [
  ["read_text_file small (600 B)", "read_text_file", { path: join(tree, "small.txt") }],
  ["read_text_file 1 MiB", "read_text_file", { path: join(tree, "big.txt") }],
  ["read_text_file head 10", "read_text_file", { path: join(tree, "big.txt"), head: 10 }],
  ["list_directory (100 entries)", "list_directory", { path: join(tree, "dir0") }],
  ["list_directory_with_sizes (100)", "list_directory_with_sizes", { path: join(tree, "dir0") }],
  ["directory_tree (1,000 files)", "directory_tree", { path: tree }],
  ["search_files **/file9*.txt", "search_files", { path: tree, pattern: "**/file9*.txt" }],
  ["get_file_info", "get_file_info", { path: join(tree, "small.txt") }],
];
const results = {};
for (const [name, server] of Object.entries(servers)) {
  results[name] = session(server, timed.map(([, tool, args]) => [tool, args]), repeat).times_us;
}
console.log(`Median latency per call over ${repeat} calls, stdio, one session each:\n`);
console.log("| call | osbox | reference | osbox/reference |");
console.log("|---|---|---|---|");
timed.forEach(([label], i) => {
  const [a, b] = [results.osbox[i], results.reference[i]];
  const fmt = (us) => (us >= 1000 ? `${(us / 1000).toFixed(2)} ms` : `${us.toFixed(0)} us`);
  console.log(`| ${label} | ${fmt(a)} | ${fmt(b)} | ${(a / b).toFixed(2)}x |`);
});

const outside = join(base, "outside");
const attempts = [
  ["read a host path outside", "read_text_file", { path: join(outside, "canary") }],
  ["read through an absolute link out", "read_text_file", { path: join(tree, "abs-link") }],
  ["read through a relative link out", "read_text_file", { path: join(tree, "rel-link") }],
  ["read through a directory link out", "read_text_file", { path: join(tree, "dir-link", "canary") }],
  ["`..` out of the tree", "read_text_file", { path: join(tree, "..", "outside", "canary") }],
  ["size of a link's target out (list_directory_with_sizes)", "list_directory_with_sizes", { path: tree }],
  ["list a directory link out", "list_directory", { path: join(tree, "dir-link") }],
  ["write through a link out", "write_file", { path: join(tree, "rel-link"), content: "pwned" }],
  ["write into a directory link out", "write_file", { path: join(tree, "dir-link", "new"), content: "pwned" }],
  ["move a file out", "move_file", { source: join(tree, "small.txt"), destination: join(outside, "stolen") }],
  ["stat a link's target out (get_file_info)", "get_file_info", { path: join(tree, "abs-link") }],
  ["/etc/passwd", "read_text_file", { path: "/etc/passwd" }],
];
const verdict = (r, label) => {
  const text = JSON.stringify(r);
  if (text.includes("secret")) return "**leaks the content**";
  if (label.startsWith("size of") && !r.isError) {
    const line = (r.content?.[0]?.text ?? "").split("\n").find((l) => l.startsWith("[FILE] abs-link"));
    return line && !line.trim().endsWith(" 0 B") ? "**leaks the size**" : "refused (size 0)";
  }
  return r.isError || r.thrown ? "refused" : "done";
};
const answers = {};
for (const [name, server] of Object.entries(servers)) {
  answers[name] = session(server, attempts.map(([, tool, args]) => [tool, args]), 1).results;
}
console.log("\nWhat each refuses (same tree, same calls):\n");
console.log("| attempt | osbox | reference |");
console.log("|---|---|---|");
attempts.forEach(([label], i) => {
  console.log(`| ${label} | ${verdict(answers.osbox[i], label)} | ${verdict(answers.reference[i], label)} |`);
});
rmSync(base, { recursive: true, force: true });
