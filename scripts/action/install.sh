#!/usr/bin/env bash
# Step 1 of action.yml: make `cargo slotlint` available.
set -euo pipefail
if [ -z "${SLOTLINT_VERSION:-}" ] && command -v cargo-slotlint >/dev/null 2>&1; then
    echo "slotlint: using $(command -v cargo-slotlint)"
    exit 0
fi
if [ -n "${SLOTLINT_VERSION:-}" ] && command -v cargo-binstall >/dev/null 2>&1; then
    cargo binstall --no-confirm "cargo-slotlint@${SLOTLINT_VERSION}"
    exit 0
fi
if [ -n "${SLOTLINT_VERSION:-}" ]; then
    cargo install --locked "cargo-slotlint@${SLOTLINT_VERSION}"
else
    # The action's own checkout is the source of the version the workflow pinned.
    cargo install --locked --path "$GITHUB_ACTION_PATH"
fi
