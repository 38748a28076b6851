#!/usr/bin/env bash
# Runs every fuzz target for a short while (CI) or as long as asked:
#   fuzz/run.sh            # 15 s per target
#   fuzz/run.sh 3600       # an hour per target
# Needs cargo-fuzz (`cargo install cargo-fuzz`); runs on stable with `--sanitizer none`
# (or with RUSTC_BOOTSTRAP=1 and the default AddressSanitizer).
set -euo pipefail
cd "$(dirname "$0")"
secs="${1:-15}"
for target in $(cargo fuzz list); do
  mkdir -p "corpus/$target"
  cp -n seeds/* "corpus/$target/" 2>/dev/null || true
  cargo fuzz run --sanitizer none "$target" "corpus/$target" -- -max_total_time="$secs" -rss_limit_mb=2048
done
