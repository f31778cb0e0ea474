#!/usr/bin/env bash
# Builds the six example components and composes each with the osbox
# component, into target/examples/:
#   NAME.wasm           for `osbox run` (every function works)
#   NAME.portable.wasm  for `wasmtime run`, Node.js (jco) and other WASI hosts
# Usage: examples/build.sh [path/to/osbox]   (default: builds it with cargo)
set -euo pipefail
cd "$(dirname "$0")/.."
names=(backup csv-summary deploy health logrotate uploads)
osbox=${1:-}
if [ -z "$osbox" ]; then
    cargo build --release -p osbox-cli
    osbox=target/release/osbox
fi
cargo build --release --target wasm32-wasip2 --manifest-path examples/components/Cargo.toml
mkdir -p target/examples
for n in "${names[@]}"; do
    consumer=examples/components/target/wasm32-wasip2/release/$n.wasm
    "$osbox" compose "$consumer" -o "target/examples/$n.wasm"
    "$osbox" compose --portable "$consumer" -o "target/examples/$n.portable.wasm"
    echo "target/examples/$n.wasm target/examples/$n.portable.wasm"
done
