"""One MCP session driven by the official Python SDK (the `mcp` package).

    python session.py COMMAND [ARGS...] < script.json

The script and the printed result are those of session.mjs: {"calls":
[[tool, arguments], ...], "roots": [uri, ...]} in, {"server", "tools",
"results"} out.
"""

import json
import sys

import anyio
from mcp import types
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client


async def main() -> None:
    script = json.loads(sys.stdin.read() or "{}")
    roots = script.get("roots")

    async def list_roots(context):
        # The Python SDK's Root takes file:// URIs only.
        files = [uri for uri in roots if uri.startswith("file://")]
        return types.ListRootsResult(roots=[types.Root(uri=uri, name=uri) for uri in files])

    params = StdioServerParameters(command=sys.argv[1], args=sys.argv[2:])
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write, list_roots_callback=list_roots if roots else None) as session:
            init = await session.initialize()
            tools = await session.list_tools()
            results = []
            for name, arguments in script.get("calls", []):
                try:
                    result = await session.call_tool(name, arguments)
                    results.append(result.model_dump(by_alias=True, exclude_none=True, mode="json"))
                except Exception as e:  # a protocol error, as session.mjs reports it
                    results.append({"thrown": str(e)})
    out = {
        "server": init.server_info.model_dump(exclude_none=True),
        "tools": [t.model_dump(by_alias=True, exclude_none=True, mode="json") for t in tools.tools],
        "results": results,
    }
    print(json.dumps(out))


anyio.run(main)
