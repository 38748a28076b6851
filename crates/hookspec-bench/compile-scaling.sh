#!/usr/bin/env bash
# Compile-time scaling: `cargo check` of a crate whose only content is include_api! over a
# synthetic API of 10, 100 and 1000 endpoints. Prints a Markdown table.
#   crates/hookspec-bench/compile-scaling.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
work="$root/target/compile-scaling"
mkdir -p "$work"
cargo build -q --release -p hookspec-bench --bin synthetic
export CARGO_TARGET_DIR="$work/target"
# Warm the dependencies once so that each measurement is the synthetic crate alone.
"$root/target/release/synthetic" 1 "$work/warm" >/dev/null
(cd "$work/warm" && cargo check -q --offline)
echo "| endpoints | cargo check of the crate (s) | per endpoint (ms) |"
echo "|---|---|---|"
for n in 10 100 1000; do
  dir=$("$root/target/release/synthetic" "$n" "$work/n$n")
  start=$(date +%s.%N)
  (cd "$dir" && cargo check -q --offline)
  end=$(date +%s.%N)
  awk -v n="$n" -v s="$start" -v e="$end" 'BEGIN { printf "| %d | %.2f | %.1f |\n", n, e - s, (e - s) * 1000 / n }'
done
