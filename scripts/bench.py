#!/usr/bin/env python3
"""The benchmark's runner (scripts/bench.sh builds the binaries and calls it).

For each folder: its `.rs` files and MB, then wall seconds, CPU seconds, files/s, MB/s and peak
RSS (medians of --runs runs; each run's own resource use, by `wait4`) of
  - `cargo slotlint check DIR --format json` (this build, and --before BIN's if given),
  - a plain single-threaded `syn::parse_file` of every file (examples/syn_parse.rs),
  - `rg` scanning every file for five literals,
and the ratios the issue asks about (slotlint's wall over rg's, its CPU over syn's).

With no folder: the benchmark corpus (a `cargo vendor` of scripts/bench-corpus), a synthetic
service crate built from corpus crates (~1,500 files, ~15 MB, a few dozen redis calls), and a
smaller one (~7 MB) then the same with its non-redis part doubled (copied under a new module),
and the change (the two timed alternately, medians and minimums). --double PACKAGE does the
same doubling for any package (a real service, say); --double-with DIR doubles it with another
crate's sources instead (code that uses none of the package's items: the copy of its own files
builds and calls the originals' types, so part of it is code the analysis must read).

--compare also runs `--no-prefilter` (every file parsed and walked) and fails unless both runs
print the same JSON document.

Not here: building anything (bench.sh), assertions on time (nothing here fails on a figure).
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

CORPUS = "target/bench-corpus/vendor"
SYNTHETIC = "target/bench-synthetic"
# Crates of the corpus whose `src/` make up the synthetic crate's non-redis part, in order
# (~1,530 files, ~14.9 MB).
SYNTHETIC_CRATES = (
    "tokio hyper h2 tower-http tower futures-util rayon clap_builder tracing-subscriber "
    "rustls chrono sqlx-core sqlx-postgres serde_json axum"
).split()
# The crate whose non-redis part is doubled: the first six (~890 files, ~7.1 MB), so that twice
# it stays under the 16 MiB a package may hold (`input::MAX_UNIT_BYTES`: past it files are
# reported, not read, and doubling would add nothing to read).
DOUBLED_CRATES = SYNTHETIC_CRATES[:6]
RG_LITERALS = ["redis", "Commands", "cmd(", "pipe()", "slotlint"]


def rust_files(folder):
    """(.rs files, bytes) under folder, symlinks not followed."""
    files = size = 0
    for root, dirs, names in os.walk(folder):
        for name in names:
            if name.endswith(".rs"):
                path = os.path.join(root, name)
                if os.path.isfile(path) and not os.path.islink(path):
                    files += 1
                    size += os.path.getsize(path)
    return files, size


def timed(argv, ok_codes, stdout_path=None):
    """(wall s, cpu s, peak MB) of one run: the wall clock around it, and the child's own
    resource use (`wait4`: microseconds, and its peak alone; `/usr/bin/time` rounds to 10 ms,
    a tenth of a small crate's run)."""
    out = open(stdout_path, "wb") if stdout_path else subprocess.DEVNULL
    try:
        start = time.perf_counter()
        p = subprocess.Popen(argv, stdout=out, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.perf_counter() - start
        p.returncode = os.waitstatus_to_exitcode(status)
    finally:
        if stdout_path:
            out.close()
    if p.returncode not in ok_codes:
        sys.exit(f"bench: `{' '.join(argv)}` exited with {p.returncode}")
    cpu = usage.ru_utime + usage.ru_stime
    peak = usage.ru_maxrss / 1024
    return wall, cpu, peak


def measure(argv, runs, ok_codes=(0,), stdout_path=None):
    samples = [timed(argv, ok_codes, stdout_path) for _ in range(runs)]
    return tuple(statistics.median(s[k] for s in samples) for k in range(3))


def row(label, m, files, size):
    wall, cpu, peak = m
    print(
        f"  {label:<26} {wall:7.2f} {cpu:7.2f} {files / max(wall, 1e-9):9.0f} "
        f"{size / 1e6 / max(wall, 1e-9):8.1f} {peak:8.0f}"
    )


def rg_command(folder):
    """`rg` looking for the literals that tell a file naming redis, in every `.rs` file."""
    rg = ["rg", "-uu", "--type", "rust", "--count", "--fixed-strings"]
    for literal in RG_LITERALS:
        rg += ["-e", literal]
    return rg + [folder]


def bench(folder, args):
    files, size = rust_files(folder)
    print(f"\n{folder}: {files} .rs files, {size / 1e6:.1f} MB, {os.cpu_count()} cores, "
          f"median of {args.runs}")
    print(f"  {'':<26} {'wall s':>7} {'CPU s':>7} {'files/s':>9} {'MB/s':>8} {'peak MB':>8}")
    check = ["check", folder, "--format", "json"]
    results = {}
    results["slotlint"] = measure([args.bin] + check, args.runs, (0, 1))
    row("slotlint", results["slotlint"], files, size)
    if args.before:
        results["before"] = measure([args.before] + check, args.runs, (0, 1))
        row("slotlint (--before)", results["before"], files, size)
    results["syn"] = measure([args.syn, folder], args.runs)
    row("syn::parse_file, 1 thread", results["syn"], files, size)
    results["rg"] = measure(rg_command(folder), args.runs, (0, 1))
    row(f"rg, {len(RG_LITERALS)} literals", results["rg"], files, size)
    s, syn, r = results["slotlint"], results["syn"], results["rg"]
    print(f"  slotlint: wall {s[0] / r[0]:.1f}x rg's, CPU {s[1] / syn[1]:.2f}x syn's, "
          f"peak {s[2]:.0f} MB")
    if args.before:
        b = results["before"]
        print(f"  --before: wall {b[0] / r[0]:.1f}x rg's, CPU {b[1] / syn[1]:.2f}x syn's, "
              f"peak {b[2]:.0f} MB")
    if args.compare:
        compare(folder, args, files, size)
    return results


def compare(folder, args, files, size):
    """Fail unless demand-driven analysis and --no-prefilter print the same document."""
    with tempfile.TemporaryDirectory() as tmp:
        a, b = os.path.join(tmp, "demand.json"), os.path.join(tmp, "every.json")
        check = [args.bin, "check", folder, "--format", "json"]
        timed(check, (0, 1), a)
        m = measure(check + ["--no-prefilter"], 1, (0, 1), b)
        row("slotlint --no-prefilter", m, files, size)
        demand, every = json.load(open(a)), json.load(open(b))
    s = demand["summary"]
    if demand != every:
        only = lambda x, y: [d for d in x["diagnostics"] if d not in y["diagnostics"]]
        print(f"  DIFFERENT: {len(only(demand, every))} findings only by default, "
              f"{len(only(every, demand))} only with --no-prefilter")
        sys.exit(1)
    print(f"  identical findings with --no-prefilter: {s['errors']} errors, "
          f"{s['warnings']} warnings, {s['notes']} notes, {s['redis_calls']} redis calls")


STORE = """\
//! Generated by scripts/bench.py: the redis part of the synthetic service.
use redis::AsyncCommands;

pub mod keys;
pub mod jobs;

pub struct Store {
    conn: redis::aio::MultiplexedConnection,
    prefix: String,
}

impl Store {
    pub async fn open(url: &str) -> redis::RedisResult<Store> {
        let client = redis::Client::open(url)?;
        let conn = client.get_multiplexed_async_connection().await?;
        Ok(Store { conn, prefix: "svc".to_string() })
    }

    pub async fn save_session(&mut self, id: u64, data: &str) -> redis::RedisResult<()> {
        let key = keys::session(id);
        self.conn.set_ex::<_, _, ()>(&key, data, 3600).await?;
        self.conn.sadd::<_, _, ()>(keys::active_sessions(), id).await
    }

    pub async fn load_session(&mut self, id: u64) -> redis::RedisResult<Option<String>> {
        self.conn.get(keys::session(id)).await
    }

    pub async fn end_session(&mut self, id: u64) -> redis::RedisResult<()> {
        self.conn.del::<_, ()>((keys::session(id), keys::profile(id))).await?;
        self.conn.srem::<_, _, ()>(keys::active_sessions(), id).await
    }

    pub async fn profiles(&mut self, ids: &[u64]) -> redis::RedisResult<Vec<Option<String>>> {
        let keys: Vec<String> = ids.iter().map(|id| keys::profile(*id)).collect();
        self.conn.mget(keys).await
    }

    pub async fn rename_user(&mut self, old: u64, new: u64) -> redis::RedisResult<()> {
        self.conn.rename::<_, _, ()>(keys::profile(old), keys::profile(new)).await
    }

    pub async fn count(&mut self, counter: &str) -> redis::RedisResult<i64> {
        let key = format!("{}:count:{counter}", self.prefix);
        self.conn.incr(&key, 1).await
    }

    pub async fn touch(&mut self, key: &str) -> redis::RedisResult<()> {
        self.conn.expire::<_, ()>(key, 600).await
    }

    pub async fn record(&mut self, user: u64, event: &str) -> redis::RedisResult<()> {
        let mut pipe = redis::pipe();
        pipe.atomic()
            .lpush(keys::events(user), event)
            .ltrim(keys::events(user), 0, 99)
            .incr(keys::event_count(), 1);
        pipe.query_async::<()>(&mut self.conn).await
    }

    pub async fn leaderboard(&mut self, board: &str, user: u64, score: f64) -> redis::RedisResult<()> {
        self.conn.zadd::<_, _, _, ()>(format!("board:{{{board}}}"), user, score).await?;
        self.conn.zunionstore::<_, _, ()>("board:all", &[format!("board:{{{board}}}"), "board:week".to_string()]).await
    }

    pub async fn flush_cache(&mut self) -> redis::RedisResult<()> {
        redis::cmd("FLUSHDB").query_async::<()>(&mut self.conn).await?;
        let names: Vec<String> = redis::cmd("KEYS").arg("cache:*").query_async(&mut self.conn).await?;
        self.conn.del::<_, ()>(names).await
    }
}
"""

KEYS = """\
//! Generated by scripts/bench.py: key names of the synthetic service.
pub fn session(id: u64) -> String {
    format!("session:{id}")
}

pub fn profile(id: u64) -> String {
    format!("user:{id}:profile")
}

pub fn events(user: u64) -> String {
    format!("events:{{user:{user}}}")
}

pub fn event_count() -> &'static str {
    "events:count"
}

pub fn active_sessions() -> &'static str {
    "sessions:active"
}

pub const JOB_QUEUE: &str = "jobs:queue";
pub const JOB_DONE: &str = "jobs:done";
"""

JOBS = """\
//! Generated by scripts/bench.py: a job queue over redis.
use redis::Commands;

use super::keys::{JOB_DONE, JOB_QUEUE};

pub struct Queue {
    client: redis::Client,
}

impl Queue {
    pub fn new(url: &str) -> redis::RedisResult<Queue> {
        Ok(Queue { client: redis::Client::open(url)? })
    }

    pub fn push(&self, job: &str) -> redis::RedisResult<()> {
        let mut con = self.client.get_connection()?;
        con.rpush::<_, _, ()>(JOB_QUEUE, job)
    }

    pub fn take(&self) -> redis::RedisResult<Option<String>> {
        let mut con = self.client.get_connection()?;
        con.lmove(JOB_QUEUE, JOB_DONE, redis::Direction::Left, redis::Direction::Right)
    }

    pub fn finish(&self, job_id: &str) -> redis::RedisResult<()> {
        let mut con = self.client.get_connection()?;
        let key = format!("job:{job_id}");
        con.hset::<_, _, _, ()>(&key, "state", "done")?;
        con.hincr::<_, _, _, ()>("jobs:stats", "done", 1)?;
        con.smove::<_, _, _, ()>(format!("job:{job_id}:running"), format!("job:{job_id}:done"), job_id)
    }

    pub fn status(&self, job_id: &str) -> redis::RedisResult<Vec<String>> {
        let mut con = self.client.get_connection()?;
        con.hget(format!("job:{job_id}"), &["state", "owner"])
    }

    pub fn select_db(&self) -> redis::RedisResult<()> {
        let mut con = self.client.get_connection()?;
        redis::cmd("SELECT").arg(2).query::<()>(&mut con)
    }

    pub fn publish(&self, channel: &str, msg: &str) -> redis::RedisResult<()> {
        let mut con = self.client.get_connection()?;
        con.publish::<_, _, ()>(format!("jobs:{channel}"), msg)
    }
}
"""

HANDLERS = """\
//! Generated by scripts/bench.py: callers of the store, which name no client crate.
use crate::store::Store;

pub async fn on_login(store: &mut Store, user: u64, token: &str) {
    let _ = store.save_session(user, token).await;
    let _ = store.count("logins").await;
    let _ = store.touch(&format!("cache:user:{user}")).await;
}

pub async fn on_event(store: &mut Store, user: u64, name: &str) {
    let _ = store.record(user, name).await;
    let _ = store.count(name).await;
}
"""


def names_redis(folder, names):
    """The files of `folder` that copytree leaves out: Rust sources that contain "redis"."""
    left_out = []
    for name in names:
        path = os.path.join(folder, name)
        if name.endswith(".rs") and os.path.isfile(path):
            with open(path, "rb") as f:
                if b"redis" in f.read():
                    left_out.append(name)
    return left_out


def synthetic(corpus, crates, copies, name):
    """A synthetic service crate: the redis part, and the `src/` of `crates` `copies` times
    (built once, into target/bench-synthetic/NAME)."""
    dest = os.path.join(SYNTHETIC, name)
    # Named after the construction: a crate built the older way (copies not declared as a
    # module) is built again.
    stamp = os.path.join(dest, ".built-copies-declared")
    if os.path.exists(stamp):
        return dest
    shutil.rmtree(dest, ignore_errors=True)
    os.makedirs(os.path.join(dest, "src", "store"))
    with open(os.path.join(dest, "Cargo.toml"), "w") as f:
        f.write('[package]\nname = "bench-app"\nversion = "0.0.0"\nedition = "2021"\n\n'
                '[dependencies]\nredis = { version = "0.32", features = ["aio", "tokio-comp"] }\n')
    mods = []
    copy_mods = {k: [] for k in range(1, copies)}
    for crate in crates:
        found = sorted(d for d in os.listdir(corpus)
                       if d.startswith(crate + "-") and d[len(crate) + 1:][:1].isdigit())
        if not found:
            sys.exit(f"bench: {crate} is not in {corpus}")
        module = crate.replace("-", "_")
        mods.append(module)
        for k in range(copies):
            where = module if k == 0 else os.path.join(f"copy{k}", module)
            if k:
                copy_mods[k].append(module)
            # The non-redis part names no redis (not even "redistributed" in a comment):
            # files that do are where slotlint looks for calls.
            shutil.copytree(os.path.join(corpus, found[-1], "src"),
                            os.path.join(dest, "src", where), symlinks=True,
                            ignore=names_redis)
    for path, text in [("store/mod.rs", STORE), ("store/keys.rs", KEYS),
                       ("store/jobs.rs", JOBS), ("handlers.rs", HANDLERS)]:
        with open(os.path.join(dest, "src", path), "w") as f:
            f.write(text)
    with open(os.path.join(dest, "src", "lib.rs"), "w") as f:
        f.write("//! Generated by scripts/bench.py.\npub mod store;\npub mod handlers;\n")
        f.writelines(f"pub mod {m};\n" for m in mods)
        # The copies are modules of the crate, as the original crates are.
        f.writelines(f"pub mod copy{k};\n" for k in copy_mods)
    for k, copied in copy_mods.items():
        with open(os.path.join(dest, "src", f"copy{k}", "mod.rs"), "w") as f:
            f.write("//! Generated by scripts/bench.py: a copy of the non-redis part.\n")
            f.writelines(f"pub mod {m};\n" for m in copied)
    open(stamp, "w").close()
    return dest


def doubled_copies(package, unrelated=None):
    """A package as it is, and the same with its non-redis part doubled: every `.rs` file under
    its `src/` that does not contain "redis" copied again under `src/copy1/` (rebuilt each run,
    into target/bench-doubled/NAME/{one,two}). The package's own files only: its path
    dependencies are not copied. With `unrelated` (a folder of another crate's sources), those
    files (the ones that do not contain "redis") are added as `src/copy1/` instead, into
    target/bench-doubled/NAME/{one,with-DIRNAME}: code that uses none of the package's items,
    where the copy builds and calls the originals' types (its `use crate::…` paths are kept)."""
    if not os.path.isfile(os.path.join(package, "Cargo.toml")):
        sys.exit(f"bench: --double {package}: no Cargo.toml there")
    if not os.path.isdir(os.path.join(package, "src")) or \
            os.path.exists(os.path.join(package, "src", "copy1")):
        sys.exit(f"bench: --double {package}: needs a src/ folder without a copy1/ in it")
    name = os.path.basename(os.path.abspath(package))
    root = os.path.join("target", "bench-doubled", name)
    shutil.rmtree(root, ignore_errors=True)
    # `with-common` for `…/crates/common/src`.
    added_name = os.path.abspath(unrelated or "")
    if os.path.basename(added_name) == "src":
        added_name = os.path.dirname(added_name)
    second = "two" if unrelated is None else "with-" + os.path.basename(added_name)
    one, two = os.path.join(root, "one"), os.path.join(root, second)
    shutil.copytree(package, one, symlinks=True)
    shutil.copytree(package, two, symlinks=True)
    copy = os.path.join(two, "src", "copy1")
    added = os.path.join(one, "src") if unrelated is None else unrelated
    shutil.copytree(added, copy, symlinks=True, ignore=names_redis)
    declare_copy(os.path.join(two, "src"), copy)
    return one, two


def declare_copy(src, copy):
    """Make `copy` (a copy of `src`'s files) a module of the crate, as the issue's doubling
    says: `pub mod copy1;` at the end of the crate's root, and the copy's root (its copy of
    lib.rs or main.rs, or, when that names redis and was left out, a list of what was copied)
    as its mod.rs."""
    root = next((r for r in ("lib.rs", "main.rs") if os.path.isfile(os.path.join(src, r))), None)
    if root is None:
        sys.exit(f"bench: --double: {src} has no lib.rs or main.rs")
    copied_root = next((r for r in ("lib.rs", "main.rs")
                        if os.path.isfile(os.path.join(copy, r))), None)
    if copied_root:
        os.rename(os.path.join(copy, copied_root), os.path.join(copy, "mod.rs"))
        for other in ("lib.rs", "main.rs"):
            if os.path.isfile(os.path.join(copy, other)):
                os.remove(os.path.join(copy, other))
    else:
        names = sorted(n[:-3] if n.endswith(".rs") else n for n in os.listdir(copy)
                       if (n.endswith(".rs") and os.path.isfile(os.path.join(copy, n)))
                       or os.path.isdir(os.path.join(copy, n)))
        with open(os.path.join(copy, "mod.rs"), "w") as f:
            f.write("//! Generated by scripts/bench.py: a copy of the non-redis part.\n")
            f.writelines(f"pub mod {n};\n" for n in dict.fromkeys(names) if n.isidentifier())
    with open(os.path.join(src, root), "a") as f:
        f.write("\npub mod copy1;\n")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("folders", nargs="*")
    p.add_argument("--bin", required=True, help="cargo-slotlint to measure")
    p.add_argument("--syn", required=True, help="the syn_parse example")
    p.add_argument("--before", help="another cargo-slotlint to measure in the same run")
    p.add_argument("--compare", action="store_true",
                   help="fail unless --no-prefilter prints the same findings")
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--double", metavar="PACKAGE", action="append", default=[],
                   help="time a package (a folder with Cargo.toml) and the same with its "
                        "non-redis part doubled")
    p.add_argument("--double-with", metavar="DIR",
                   help="with --double: add DIR's sources (another crate's, those not naming "
                        "redis) as the new module instead of a copy of the package's own")
    args = p.parse_args()
    if shutil.which("rg") is None:
        sys.exit("bench: rg (ripgrep) is needed")
    if args.double_with and not args.double:
        sys.exit("bench: --double-with needs --double PACKAGE")
    for package in args.double:
        one, two = doubled_copies(package, args.double_with)
        bench(one, args)
        bench(two, args)
        doubling(one, two, args)
    if args.double and not args.folders:
        return
    if args.folders:
        for folder in args.folders:
            bench(folder, args)
        return
    bench(CORPUS, args)
    bench(synthetic(CORPUS, SYNTHETIC_CRATES, 1, "service"), args)
    one = synthetic(CORPUS, DOUBLED_CRATES, 1, "small")
    two = synthetic(CORPUS, DOUBLED_CRATES, 2, "small-doubled")
    bench(one, args)
    bench(two, args)
    doubling(one, two, args)


def doubling(one, two, args):
    """The change from `one` to `two`, each binary's runs of the two alternating (the machine's
    drift over the minutes between two blocks of runs is as large as the change): medians and
    minimums of 3x --runs runs."""
    bins = [("slotlint", args.bin)] + ([("--before", args.before)] if args.before else [])
    runs = 3 * args.runs
    # `rg` over the same files: what reading the doubled bytes costs (the floor for a tool
    # that must read every file to know which name redis).
    bins.append(("rg", None))
    samples = {(label, d): [] for label, _ in bins for d in (one, two)}
    for _ in range(runs):
        for label, binary in bins:
            for d in (one, two):
                argv = rg_command(d) if binary is None else [binary, "check", d, "--format", "json"]
                samples[(label, d)].append(timed(argv, (0, 1)))
    print(f"\nnon-redis part doubled ({one} -> {two}), {runs} alternating runs each:")
    for label, _ in bins:
        a, b = samples[(label, one)], samples[(label, two)]
        parts = []
        for name, k in [("wall", 0), ("CPU", 1)]:
            for stat_name, stat in [("median", statistics.median), ("min", min)]:
                x, y = stat(s[k] for s in a), stat(s[k] for s in b)
                parts.append(f"{name} {stat_name} {x:.3f} -> {y:.3f} s ({100 * (y / x - 1):+.0f} %)")
        peak_a = statistics.median(s[2] for s in a)
        peak_b = statistics.median(s[2] for s in b)
        parts.append(f"peak {peak_a:.0f} -> {peak_b:.0f} MB ({100 * (peak_b / peak_a - 1):+.0f} %)")
        print(f"  {label}: " + "; ".join(parts))
    print_phases(one, two, args)


# What `SLOTLINT_TIMINGS=1` counts rather than times.
WORK = ("files parsed on demand", "summaries walked", "builders walked")


def phases(binary, folder):
    """Milliseconds per phase of one run, as `SLOTLINT_TIMINGS=1` prints them to stderr."""
    env = dict(os.environ, SLOTLINT_TIMINGS="1")
    p = subprocess.run([binary, "check", folder, "--format", "json"], env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    spent = {}
    for line in p.stderr.splitlines():
        if line.startswith("  "):
            name, _, ms = line.strip().rpartition(" ")
            try:
                spent[name.strip()] = float(ms)
            except ValueError:
                pass
    return spent


def print_phases(one, two, args):
    """Where the change goes: each phase's minimum over --runs alternating runs of each."""
    samples = {one: [], two: []}
    for _ in range(args.runs):
        for d in (one, two):
            samples[d].append(phases(args.bin, d))
    names = list(samples[one][0]) if samples[one] else []
    if not names:
        return
    counted = [n for n in names if n in WORK]
    print(f"  by phase (ms, min of {args.runs}; SLOTLINT_TIMINGS):")
    for name in names:
        if name in counted:
            continue
        a = min(s.get(name, 0.0) for s in samples[one])
        b = min(s.get(name, 0.0) for s in samples[two])
        # Files parsed on demand are part of the evaluation: shown under it.
        label = f"  {name}" if name == "demand parse" else name
        print(f"    {label:<14} {a:8.1f} -> {b:8.1f}  ({b - a:+.1f})")
    # Counts are the same in every run: the change in work, whatever the machine's noise.
    print("  work (counts):")
    for name in counted:
        a, b = samples[one][0][name], samples[two][0][name]
        change = f"{100 * (b / a - 1):+.0f} %" if a else "new"
        print(f"    {name:<24} {a:8.0f} -> {b:8.0f}  ({change})")


if __name__ == "__main__":
    main()
