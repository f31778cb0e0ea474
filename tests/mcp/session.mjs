// One MCP session driven by the official TypeScript SDK client.
//
//   node session.mjs COMMAND [ARGS...] < script.json     (stdio)
//   node session.mjs --url http://127.0.0.1:PORT/mcp < script.json
//
// The script is {"calls": [[tool, arguments], ...], "roots": [uri, ...],
// "repeat": N}. With roots, the client declares the roots capability and
// answers roots/list with them. Every call is made `repeat` times (default
// 1). Prints one JSON object: the server's name, its tools, each call's
// result (or {"thrown": message} for a protocol error) and the median time
// of each call in microseconds.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ListRootsRequestSchema } from "@modelcontextprotocol/sdk/types.js";

const argv = process.argv.slice(2);
const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const script = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}");
const roots = script.roots ?? null;
const repeat = script.repeat ?? 1;

const client = new Client(
  { name: "osbox-test-ts", version: "1.0.0" },
  { capabilities: roots ? { roots: { listChanged: true } } : {} },
);
if (roots) {
  client.setRequestHandler(ListRootsRequestSchema, async () => ({
    roots: roots.map((uri) => ({ uri, name: uri })),
  }));
}
const transport = argv[0] === "--url"
  ? new StreamableHTTPClientTransport(new URL(argv[1]))
  : new StdioClientTransport({ command: argv[0], args: argv.slice(1), stderr: "inherit" });
await client.connect(transport);

const tools = (await client.listTools()).tools;
const results = [];
const times = [];
for (const [name, args] of script.calls ?? []) {
  let result;
  const spent = [];
  for (let i = 0; i < repeat; i++) {
    const start = process.hrtime.bigint();
    try {
      result = await client.callTool({ name, arguments: args });
    } catch (e) {
      result = { thrown: e.message };
    }
    spent.push(Number(process.hrtime.bigint() - start) / 1000);
  }
  spent.sort((a, b) => a - b);
  results.push(result);
  times.push(spent[Math.floor(spent.length / 2)]);
}
const server = client.getServerVersion();
await client.close();
process.stdout.write(JSON.stringify({ server, tools, results, times_us: times }) + "\n");
