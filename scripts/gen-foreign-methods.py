#!/usr/bin/env python3
"""Generate crates/analyzer/src/interp/foreign_methods.rs: method names that the types every
service holds (std's collections, strings, `Option`, `Result`, iterators, locks, atomics,
channels; a few extension traits of the async ecosystem) answer to.

The evaluator guesses that `x.name(..)` on a receiver of unknown type calls the crate's only
method `name`. For these names that guess is usually wrong (`map.insert(k, v)` is not the
crate's `DevNonces::insert`), and following it walks code that has nothing to do with the call.
Names of Redis commands are left out: a crate's wrapper is named for the command it sends
(`store.set(key, value)`), and std's `get`/`set` must not hide it.

Reads:
  * std's rendered docs of the toolchain (`rustc --print sysroot`, the `rust-docs` component:
    share/doc/rust/html/std/): every `method.NAME` / `tymethod.NAME` anchor of the PAGES below
    (inherent, trait and `Deref` methods, as the page lists them);
  * EXTENSIONS below: methods of ecosystem traits implemented for every future, stream or
    result (written out: their crates are not a dependency here);
  * fixtures/reference/redis-commands-all.tsv: the Redis commands whose names are left out.
Python 3 standard library only.

Usage:
    scripts/gen-foreign-methods.py [--docs DIR] [--out FILE]
"""

import argparse
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# std's types and traits whose values a service passes around without naming their type.
PAGES = """
vec/struct.Vec.html
collections/struct.VecDeque.html
collections/struct.HashMap.html
collections/struct.HashSet.html
collections/struct.BTreeMap.html
collections/struct.BTreeSet.html
collections/struct.BinaryHeap.html
collections/hash_map/enum.Entry.html
collections/btree_map/enum.Entry.html
string/struct.String.html
primitive.str.html
primitive.slice.html
primitive.u64.html
primitive.i64.html
primitive.f64.html
primitive.char.html
option/enum.Option.html
result/enum.Result.html
iter/trait.Iterator.html
iter/trait.DoubleEndedIterator.html
iter/struct.Peekable.html
sync/struct.Mutex.html
sync/struct.RwLock.html
sync/struct.Arc.html
sync/struct.OnceLock.html
sync/atomic/struct.AtomicBool.html
sync/atomic/struct.AtomicUsize.html
sync/atomic/struct.AtomicU64.html
sync/atomic/struct.AtomicI64.html
sync/mpsc/struct.Sender.html
sync/mpsc/struct.SyncSender.html
sync/mpsc/struct.Receiver.html
rc/struct.Rc.html
cell/struct.RefCell.html
cell/struct.Cell.html
boxed/struct.Box.html
time/struct.Duration.html
time/struct.Instant.html
time/struct.SystemTime.html
path/struct.Path.html
io/struct.Error.html
error/trait.Error.html
fmt/struct.Formatter.html
net/enum.SocketAddr.html
path/struct.PathBuf.html
io/trait.Read.html
io/trait.Write.html
io/trait.BufRead.html
future/trait.Future.html
clone/trait.Clone.html
default/trait.Default.html
string/trait.ToString.html
convert/trait.Into.html
convert/trait.TryInto.html
convert/trait.AsRef.html
convert/trait.AsMut.html
""".split()

# Traits of the async ecosystem with methods on any future, stream or result (tracing,
# futures, tokio, anyhow): the names, as their docs list them.
EXTENSIONS = {
    "tracing::Instrument": "instrument in_current_span",
    "tracing::instrument::WithSubscriber": "with_subscriber with_current_subscriber",
    "futures::FutureExt": "boxed boxed_local catch_unwind flatten flatten_stream fuse inspect "
    "into_stream left_future map never_error now_or_never poll_unpin remote_handle "
    "right_future shared then unit_error",
    "futures::TryFutureExt": "and_then err_into into_future map_err map_ok map_ok_or_else "
    "ok_into or_else try_flatten try_poll_unpin unwrap_or_else",
    "futures::StreamExt": "all any boxed buffer_unordered buffered chain chunks collect concat "
    "count cycle enumerate filter filter_map flat_map flatten fold for_each "
    "for_each_concurrent forward fuse into_future map next peekable ready_chunks "
    "select_next_some skip skip_while take take_until take_while then unzip zip",
    "futures::TryStreamExt": "and_then err_into into_async_read map_err map_ok or_else "
    "try_buffer_unordered try_buffered try_chunks try_collect try_concat try_filter "
    "try_filter_map try_flatten try_fold try_for_each try_for_each_concurrent try_next "
    "try_skip_while try_take_while",
    "futures::SinkExt": "close feed flush send send_all",
    "tokio::sync::mpsc": "blocking_recv blocking_send capacity close closed is_closed "
    "max_capacity poll_recv recv recv_many reserve reserve_owned send send_timeout "
    "try_recv try_reserve try_send",
    "tokio::sync::{Mutex, RwLock, Semaphore, Notify, watch, oneshot}": "acquire acquire_owned "
    "blocking_lock borrow borrow_and_update changed lock lock_owned notified notify_one "
    "notify_waiters read read_owned send_replace send_modify try_acquire try_lock try_read "
    "try_write write",
    "tokio::task::JoinHandle": "abort abort_handle is_finished",
    "tokio::io::{AsyncReadExt, AsyncWriteExt}": "flush read read_buf read_exact read_to_end "
    "read_to_string shutdown write write_all write_buf",
    "tokio_util::sync::CancellationToken": "cancel cancelled child_token is_cancelled",
    "anyhow::Context": "context with_context",
}


def docs_dir(given):
    if given:
        return given
    sysroot = subprocess.check_output(["rustc", "--print", "sysroot"], text=True).strip()
    return os.path.join(sysroot, "share", "doc", "rust", "html", "std")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--docs", help="std's rendered docs (default: the toolchain's rust-docs)")
    p.add_argument("--out", default=os.path.join(
        ROOT, "crates", "analyzer", "src", "interp", "foreign_methods.rs"))
    args = p.parse_args()
    docs = docs_dir(args.docs)
    names = set()
    for page in PAGES:
        path = os.path.join(docs, page)
        if not os.path.isfile(path):
            sys.exit(f"gen-foreign-methods: {path} is missing (rustup component add rust-docs)")
        with open(path, encoding="utf-8") as f:
            found = set(re.findall(r'id="(?:ty)?method\.([a-z_][a-z_0-9]*)"', f.read()))
        if not found:
            sys.exit(f"gen-foreign-methods: no method anchors in {path}")
        names |= found
    for methods in EXTENSIONS.values():
        names |= set(methods.split())
    commands = set()
    with open(os.path.join(ROOT, "fixtures", "reference", "redis-commands-all.tsv")) as f:
        next(f)
        for line in f:
            commands.add(line.split("\t", 1)[0].lower())
    left_out = sorted(names & commands)
    names -= commands
    version = subprocess.check_output(["rustc", "--version"], text=True).strip()
    with open(args.out, "w") as f:
        f.write(
            "//! Method names of the types every service holds without naming them (std's\n"
            "//! collections, strings, `Option`, `Result`, iterators, locks, atomics, channels; the\n"
            "//! extension traits of tracing, futures, tokio and anyhow): a call of one on a receiver\n"
            "//! of unknown type is not taken for the crate's only method of that name.\n"
            "//!\n"
            "//! Generated by `scripts/gen-foreign-methods.py` from the std docs of\n"
            f"//! {version} and the script's list of extension traits; do not edit.\n"
            "//! Names of Redis commands are left out (a wrapper is named for its command):\n"
            f"//! {', '.join(left_out)}.\n\n"
            "/// Sorted: [`is_foreign_method`] searches it.\n"
            "const FOREIGN_METHODS: &[&str] = &[\n")
        f.writelines(f'    "{n}",\n' for n in sorted(names))
        f.write("];\n\n"
                "/// Whether `name` is a method of those types (or traits).\n"
                "pub(super) fn is_foreign_method(name: &str) -> bool {\n"
                "    FOREIGN_METHODS.binary_search(&name).is_ok()\n"
                "}\n\n"
                "#[cfg(test)]\n"
                "mod tests {\n"
                "    #[test]\n"
                "    fn sorted_and_without_redis_commands() {\n"
                "        assert!(super::FOREIGN_METHODS.windows(2).all(|w| w[0] < w[1]));\n"
                "        assert!(super::is_foreign_method(\"insert\"));\n"
                "        assert!(super::is_foreign_method(\"instrument\"));\n"
                "        assert!(!super::is_foreign_method(\"set\"));\n"
                "        assert!(!super::is_foreign_method(\"get\"));\n"
                "    }\n"
                "}\n")
    print(f"gen-foreign-methods: {len(names)} names ({len(left_out)} Redis commands left out) "
          f"-> {os.path.relpath(args.out, ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
