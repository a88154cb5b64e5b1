#!/usr/bin/env bash
# Step 2 of action.yml: annotations on the pull request (`--format github`), a job summary in
# $GITHUB_STEP_SUMMARY, and a SARIF log for code scanning. Exits as `cargo slotlint check` does.
set -uo pipefail
# SLOTLINT_ARGS is split into words on purpose (`--deny warnings -p api`).
# shellcheck disable=SC2206
args=(${SLOTLINT_ARGS:-})
status=0
cargo slotlint check --format github "${args[@]}" || status=$?
if [ "$status" -ge 2 ]; then
    exit "$status"
fi
if [ -n "${SLOTLINT_SARIF:-}" ]; then
    cargo slotlint check --format sarif --exit-zero --quiet "${args[@]}" >"$SLOTLINT_SARIF" || exit 2
    if [ -n "${GITHUB_OUTPUT:-}" ]; then
        echo "sarif=$SLOTLINT_SARIF" >>"$GITHUB_OUTPUT"
    fi
fi
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
    report="$(cargo slotlint check --format short --color never --statistics "${args[@]}" 2>&1)"
    {
        echo "## slotlint"
        echo
        if [ "$status" -eq 0 ]; then
            echo "No finding reaches the failing severity."
        else
            echo "Findings reach the failing severity: see the annotations."
        fi
        echo
        echo '```text'
        printf '%s\n' "$report" | tail -n 60
        echo '```'
    } >>"$GITHUB_STEP_SUMMARY"
fi
exit "$status"
