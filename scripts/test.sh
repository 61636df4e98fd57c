#!/bin/bash
# Runs every test tier: unit, integration (real tools on sparse files), system (real builds
# booted in QEMU). The README's second command, and what CI runs.
set -eu
set -o pipefail
export IMAGEWRIGHT_SETUP_TESTS=1
# shellcheck source=scripts/setup.sh
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

if [ "$(id -u)" -ne 0 ]; then
    echo "The integration and system tests need root (loop devices, mounts, chroot): run with sudo" >&2
    exit 1
fi
# In CI every test must run: one skipped (a tool or kernel feature missing) fails the tier.
run_tier() {
    local report
    report=$(mktemp)
    npx vitest run --project "$1" "${@:2}" --reporter=default --reporter=json --outputFile.json="$report"
    if [ -n "${CI:-}" ] || [ "${IMAGEWRIGHT_NO_SKIPS:-0}" = 1 ]; then
        # shellcheck disable=SC2016 # JavaScript, not shell
        node -e '
            const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))
            const skipped = r.testResults.flatMap((f) => f.assertionResults
                .filter((t) => t.status !== "passed" && t.status !== "failed")
                .map((t) => `${f.name}: ${t.fullName} (${t.status})`))
            if (skipped.length > 0) {
                console.error(`${skipped.length} test(s) did not run:\n  ${skipped.join("\n  ")}`)
                process.exit(1)
            }' "$report"
    fi
    rm -f "$report"
}
npx tsc -p tsconfig.json
# Type-aware lint and the house boundaries (eslint.config.js, scripts/lint/layers.js).
npm run --silent lint
npm run --silent format:check
run_tier unit
run_tier integration
run_tier system --maxWorkers=2
