#!/usr/bin/env python3
"""Measure slotlint on the development corpus: how much of real code it follows.

Usage:
    scripts/corpus.py CORPUS_DIR [--repos ../shared/realworld/repos.txt] [--bin PATH] [--json]

CORPUS_DIR holds one folder per repository of the list, named after the repository
(`chirpstack`, `autopush-rs`, ...), each a checkout of the pinned commit (fetch them with the
search tool's `fetch`, then `git --git-dir=… archive COMMIT | tar -x -C CORPUS_DIR/NAME`).

For each repository it runs `cargo slotlint check NAME --format json --exit-zero` and prints:
call sites found, how many had every key resolved / some / none (and the same for the sites with
several keys, `m.*`, the only ones that can cross slots), why keys were not resolved,
redis calls recognized but not understood, findings by rule and severity, and the time taken.
It never builds or runs the repositories' code.
"""

import argparse
import collections
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def repos(list_path):
    for line in open(list_path):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        source = line.split()[0]
        yield source.split(":", 1)[-1].split("/", 1)[1]


def run(binary, folder, extra):
    start = time.monotonic()
    out = subprocess.run(
        [binary, "check", folder, "--format", "json", "--exit-zero", *extra],
        capture_output=True,
        env={**os.environ, "NO_COLOR": "1"},
    )
    took = time.monotonic() - start
    if out.returncode != 0:
        return None, took, out.stderr.decode(errors="replace")
    return json.loads(out.stdout), took, out.stderr.decode(errors="replace")


def summarize(doc):
    s = doc["summary"]
    res = s.get("resolution", {})
    kinds = {k: v for k, v in res.items() if isinstance(v, dict) and "all" in v and k != "multi_key"}
    all_ = sum(v["all"] for v in kinds.values())
    some = sum(v["some"] for v in kinds.values())
    none = sum(v["none"] for v in kinds.values())
    findings = collections.Counter(
        (d["rule"], d["severity"]) for d in doc["diagnostics"]
    )
    multi = res.get("multi_key", {})
    return {
        "multi_all": multi.get("all", 0),
        "multi_some": multi.get("some", 0),
        "multi_none": multi.get("none", 0),
        "calls": s.get("redis_calls", 0),
        "with_keys": all_ + some + none,
        "all": all_,
        "some": some,
        "none": none,
        "reasons": res.get("reasons", {}),
        "not_understood": res.get("not_understood", 0),
        "errors": s["errors"],
        "warnings": s["warnings"],
        "notes": s["notes"],
        "findings": {f"{r}/{sev}": n for (r, sev), n in sorted(findings.items())},
    }


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("corpus")
    p.add_argument(
        "--repos", default=os.path.join(ROOT, "..", "shared", "realworld", "repos.txt")
    )
    p.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "cargo-slotlint"))
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    p.add_argument(
        "--test-code",
        action="store_true",
        help="count test code too (`test-code = \"check\"`; binaries before it always did)",
    )
    args = p.parse_args()
    if not os.path.exists(args.bin):
        sys.exit(f"no binary at {args.bin}: run `cargo build --release` (or pass --bin)")
    rows = {}
    for name in repos(args.repos):
        folder = os.path.join(args.corpus, name)
        if not os.path.isdir(folder):
            print(f"{name}: not in {args.corpus}, skipped", file=sys.stderr)
            continue
        extra = []
        if args.test_code:
            config = os.path.join(os.environ.get("TMPDIR", "/tmp"), "slotlint-corpus-test-code.toml")
            with open(config, "w") as f:
                f.write('test-code = "check"\n')
            extra = ["--config", config]
        doc, took, err = run(args.bin, folder, extra)
        if doc is None:
            print(f"{name}: slotlint failed: {err.strip()}", file=sys.stderr)
            continue
        row = summarize(doc)
        row["seconds"] = round(took, 2)
        rows[name] = row
    if args.json:
        json.dump(rows, sys.stdout, indent=2)
        print()
        return
    head = f"{'repository':<28}{'calls':>6}{'keyed':>6}{'all':>6}{'some':>6}{'none':>6}{'m.all':>6}{'m.som':>6}{'m.non':>6}{'n/u':>5}{'err':>5}{'warn':>5}{'note':>5}{'s':>7}"
    print(head)
    total = collections.Counter()
    reasons = collections.Counter()
    findings = collections.Counter()
    for name, r in rows.items():
        print(
            f"{name:<28}{r['calls']:>6}{r['with_keys']:>6}{r['all']:>6}{r['some']:>6}{r['none']:>6}"
            f"{r['multi_all']:>6}{r['multi_some']:>6}{r['multi_none']:>6}"
            f"{r['not_understood']:>5}{r['errors']:>5}{r['warnings']:>5}{r['notes']:>5}{r['seconds']:>7}"
        )
        for k in ("calls", "with_keys", "all", "some", "none", "multi_all", "multi_some", "multi_none", "not_understood", "errors", "warnings", "notes"):
            total[k] += r[k]
        reasons.update(r["reasons"])
        findings.update(r["findings"])
    print(
        f"{'total':<28}{total['calls']:>6}{total['with_keys']:>6}{total['all']:>6}{total['some']:>6}{total['none']:>6}"
        f"{total['multi_all']:>6}{total['multi_some']:>6}{total['multi_none']:>6}"
        f"{total['not_understood']:>5}{total['errors']:>5}{total['warnings']:>5}{total['notes']:>5}"
    )
    print("\nunresolved keys by reason:")
    for why, n in reasons.most_common():
        print(f"  {n:>5}  {why}")
    print("\nfindings by rule and severity:")
    for f, n in sorted(findings.items()):
        print(f"  {n:>5}  {f}")


if __name__ == "__main__":
    main()
