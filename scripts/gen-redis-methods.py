#!/usr/bin/env python3
"""Generate crates/analyzer/src/redis_api/methods.rs from the real redis-rs sources.

Reads the source tree of every `redis` release listed in REDIS_VERSIONS (0.20.0 .. newest,
yanked ones included, pre-releases not) from cargo's registry source cache
(~/.cargo/registry/src/*/redis-X.Y.Z/; `--fetch` downloads the missing ones with cargo), and
parses in each:

  * the `implement_commands! { ... }` invocation (src/commands.rs up to 0.21,
    src/commands/mod.rs from 0.22): one skeleton per command method;
  * the hand-written methods inside the `implement_commands` / `implement_iterators`
    macro definitions (the scan family, TypedCommands' get_int / mget_ints);
  * the `implement_json_commands! { ... }` invocation (src/commands/json.rs, 0.22+).

For each method it interprets the body (`cmd("X").arg(a).arg(b)...`) symbolically to get
the argument vector the method sends, and locates the keys in it with the key
specifications of the Redis command: the live-server table redis-commands-all.tsv
(fixtures/reference/), the newer-commands table commands-after-7.0.tsv (a copy in
crates/analyzer/data/), then SUPPLEMENTARY_SPECS below for module commands.  Any argument the reading cannot place is an error, not a guess.
Python 3 standard library only (plus cargo for --fetch, rustfmt if present).

Usage:
    scripts/gen-redis-methods.py [--fetch] [--src DIR ...] [--commands TSV ...] [--out FILE]
    scripts/gen-redis-methods.py --dump NAME      # show how one method was read, per version
"""

import argparse
import glob
import os
import re
import subprocess
import sys

# ---------------------------------------------------------------------------
# Tokenizer (enough of Rust's lexical grammar for macro skeletons)
# ---------------------------------------------------------------------------

class Tok:
    __slots__ = ("kind", "text")

    def __init__(self, kind, text):
        self.kind = kind  # 'id', 'str', 'num', 'life', 'char', 'p'
        self.text = text

    def __repr__(self):
        return self.text

    def is_p(self, t):
        return self.kind == "p" and self.text == t

    def is_id(self, t=None):
        return self.kind == "id" and (t is None or self.text == t)


PUNCT2 = ("::", "->", "=>", "==", "!=", "&&", "||", "..", "+=", "-=")
ID_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
NUM_RE = re.compile(r"[0-9][0-9A-Za-z_.]*")


def tokenize(src):
    toks = []
    i, n = 0, len(src)
    while i < n:
        c = src[i]
        if c.isspace():
            i += 1
            continue
        if src.startswith("//", i):
            j = src.find("\n", i)
            i = n if j < 0 else j + 1
            continue
        if src.startswith("/*", i):
            depth, i = 1, i + 2
            while i < n and depth:
                if src.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                elif src.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                else:
                    i += 1
            continue
        m = re.compile(r'(b?r)(#*)"').match(src, i)
        if m:
            hashes = m.group(2)
            end = src.index('"' + hashes, m.end())
            toks.append(Tok("str", src[m.end():end]))
            i = end + 1 + len(hashes)
            continue
        if c == '"' or (c == "b" and src.startswith('b"', i)):
            j = i + (2 if c == "b" else 1)
            buf = []
            while src[j] != '"':
                if src[j] == "\\":
                    buf.append(src[j:j + 2])
                    j += 2
                else:
                    buf.append(src[j])
                    j += 1
            toks.append(Tok("str", "".join(buf)))
            i = j + 1
            continue
        if c == "'":
            m = re.compile(r"'(\\.[^']*|[^\\'])'").match(src, i)
            if m:
                toks.append(Tok("char", m.group(0)))
                i = m.end()
                continue
            m = ID_RE.match(src, i + 1)
            toks.append(Tok("life", "'" + m.group(0)))
            i = m.end()
            continue
        m = ID_RE.match(src, i)
        if m:
            toks.append(Tok("id", m.group(0)))
            i = m.end()
            continue
        m = NUM_RE.match(src, i)
        if m:
            text = m.group(0)
            # `0..n`: do not swallow the range operator
            if ".." in text:
                text = text[:text.index("..")]
            toks.append(Tok("num", text))
            i += len(text)
            continue
        if src[i:i + 2] in PUNCT2:
            toks.append(Tok("p", src[i:i + 2]))
            i += 2
            continue
        toks.append(Tok("p", c))
        i += 1
    return toks


OPEN = {"(": ")", "[": "]", "{": "}"}


def match_close(toks, i):
    """toks[i] is an opening (, [ or {; return the index of its closing token."""
    stack = []
    for j in range(i, len(toks)):
        t = toks[j]
        if t.kind != "p":
            continue
        if t.text in OPEN:
            stack.append(OPEN[t.text])
        elif t.text in (")", "]", "}"):
            if stack.pop() != t.text:
                raise ValueError("unbalanced brackets")
            if not stack:
                return j
    raise ValueError("unclosed bracket")


def split_top(toks, sep=",", angle=True):
    """Split a token list on `sep` at bracket depth 0 (angle brackets count when `angle`)."""
    parts, cur, depth = [], [], 0
    for t in toks:
        if t.kind == "p":
            if t.text in OPEN or (angle and t.text == "<"):
                depth += 1
            elif t.text in (")", "]", "}") or (angle and t.text == ">"):
                depth -= 1
            elif t.text == sep and depth == 0:
                parts.append(cur)
                cur = []
                continue
        cur.append(t)
    if cur:
        parts.append(cur)
    return parts


def text(toks):
    out = ""
    prev = None
    for t in toks:
        s = t.text if t.kind != "str" else '"%s"' % t.text
        if prev is not None and (prev.kind in ("id", "num", "life") and t.kind in ("id", "num", "life")):
            out += " "
        out += s
        prev = t
    return out


# ---------------------------------------------------------------------------
# Skeleton extraction
# ---------------------------------------------------------------------------

class Method:
    """One method as written in one version's source."""

    def __init__(self, name, generics, args, ret, body, attrs, origin):
        self.name = name
        self.generics = generics  # {"K": ["ToRedisArgs"], ...}
        self.args = args          # [(argname, [type tokens]), ...] (self excluded)
        self.ret = ret
        self.body = body          # tokens inside the body braces
        self.attrs = attrs        # list of attribute token lists
        self.origin = origin      # 'commands' | 'iterator' | 'typed' | 'json'

    def features(self):
        feats = []
        for a in self.attrs:
            s = text(a)
            if s.startswith("cfg(") or s.startswith("cfg_attr("):
                feats += re.findall(r'feature="([^"]+)"', s)
        return feats

    def deprecated(self):
        return any(text(a).startswith("deprecated") for a in self.attrs)

    def arg_type(self, argname):
        for n, ty in self.args:
            if n == argname:
                return ty
        return None


def find_invocation(toks, macro):
    """Body tokens of `macro! { ... }` (the invocation, not the macro_rules definition)."""
    for i in range(len(toks) - 2):
        if toks[i].is_id(macro) and toks[i + 1].is_p("!") and toks[i + 2].is_p("{") \
                and not (i > 0 and toks[i - 1].is_p("!")):
            j = match_close(toks, i + 2)
            return toks[i + 3:j]
    return None


def find_macro_def(toks, macro):
    for i in range(len(toks) - 3):
        if toks[i].is_id("macro_rules") and toks[i + 1].is_p("!") and toks[i + 2].is_id(macro):
            j = match_close(toks, i + 3)
            return toks[i + 4:j]
    return None


def parse_generics(toks, i):
    """toks[i] is '<'. Return ({name: [bounds]}, index after '>')."""
    depth, j = 0, i
    while True:
        t = toks[j]
        if t.is_p("<"):
            depth += 1
        elif t.is_p(">"):
            depth -= 1
            if depth == 0:
                break
        j += 1
    gens = {}
    for part in split_top(toks[i + 1:j]):
        if not part or part[0].kind == "life" or part[0].is_p("$"):
            continue
        if part[0].kind == "id":
            bounds = []
            if len(part) > 1 and part[1].is_p(":"):
                for b in split_top(part[2:], sep="+"):
                    if b and b[0].kind == "id" and b[0].text not in ("Send", "Sync"):
                        bounds.append(text(b))
            gens[part[0].text] = bounds
    return gens, j + 1


def parse_fn(toks, i):
    """toks[i] is `fn`. Return (name, generics, args, ret, body, end_index)."""
    name = toks[i + 1].text
    j = i + 2
    gens = {}
    if toks[j].is_p("<"):
        gens, j = parse_generics(toks, j)
    assert toks[j].is_p("("), (name, toks[j])
    k = match_close(toks, j)
    args = []
    for part in split_top(toks[j + 1:k]):
        if any(t.is_id("self") for t in part):
            continue
        if not part:
            continue
        assert part[0].kind == "id" and part[1].is_p(":"), (name, part)
        args.append((part[0].text, part[2:]))
    j = k + 1
    ret = None
    if toks[j].is_p("->"):
        r = j + 1
        while not toks[r].is_p("{") and not toks[r].is_id("where"):
            if toks[r].kind == "p" and toks[r].text in ("(", "["):
                r = match_close(toks, r)
            r += 1
        ret = toks[j + 1:r]
        j = r
    while not toks[j].is_p("{"):
        j += 1
    k = match_close(toks, j)
    return name, gens, args, ret, toks[j + 1:k], k + 1


def parse_skeletons(body, origin):
    """Parse the items of an implement_commands!/implement_json_commands! invocation."""
    out = []
    i = 0
    if body and body[0].kind == "life":
        i = 1
    attrs = []
    while i < len(body):
        t = body[i]
        if t.is_p("#"):
            j = match_close(body, i + 1)
            attrs.append(body[i + 2:j])
            i = j + 1
            continue
        if t.is_id("fn"):
            name, gens, args, ret, fbody, i = parse_fn(body, i)
            out.append(Method(name, gens, args, ret, fbody, attrs, origin))
            attrs = []
            continue
        raise ValueError("unexpected token %r in skeleton list at %d" % (t, i))
    return out


def parse_handwritten(defn):
    """Concrete `fn name` items inside a macro_rules definition (not `fn $name`).

    Returns [(Method, trait_name)] for each occurrence."""
    out = []
    traits = []  # (start, end, name)
    for i in range(len(defn) - 2):
        if defn[i].is_id("trait") and defn[i + 1].kind == "id":
            j = i + 2
            while not defn[j].is_p("{"):
                j += 1
            traits.append((j, match_close(defn, j), defn[i + 1].text))
    i = 0
    while i < len(defn):
        if defn[i].is_id("fn") and defn[i + 1].kind == "id":
            start = i
            name, gens, args, ret, fbody, i = parse_fn(defn, i)
            trait = None
            for (a, b, tn) in traits:
                if a < start < b:
                    trait = tn
            origin = "iterator" if any(t.is_id("cursor_arg") for t in fbody) else "typed"
            out.append((Method(name, gens, args, ret, fbody, [], origin), trait))
            continue
        i += 1
    return out


def read_version(root):
    """All methods of one redis-X.Y.Z source tree: {name: Method}."""
    methods = {}
    mod = os.path.join(root, "src", "commands", "mod.rs")
    if not os.path.exists(mod):
        mod = os.path.join(root, "src", "commands.rs")
    toks = tokenize(open(mod, encoding="utf-8").read())
    inv = find_invocation(toks, "implement_commands")
    for m in parse_skeletons(inv, "commands"):
        assert m.name not in methods, m.name
        methods[m.name] = m
    macro_files = [mod, os.path.join(root, "src", "commands", "macros.rs")]
    for f in macro_files:
        if not os.path.exists(f):
            continue
        ftoks = toks if f == mod else tokenize(open(f, encoding="utf-8").read())
        for macro in ("implement_commands", "implement_iterators"):
            defn = find_macro_def(ftoks, macro)
            if defn is None:
                continue
            for m, trait in parse_handwritten(defn):
                if m.name in methods:
                    continue
                methods[m.name] = m
    js = os.path.join(root, "src", "commands", "json.rs")
    if os.path.exists(js):
        jtoks = tokenize(open(js, encoding="utf-8").read())
        inv = find_invocation(jtoks, "implement_json_commands") or []
        for m in parse_skeletons(inv, "json"):
            assert m.name not in methods, m.name
            methods[m.name] = m
    return methods


def parse_version(s):
    m = re.match(r"(\d+)\.(\d+)\.(\d+)(-.+)?$", s)
    return (int(m.group(1)), int(m.group(2)), int(m.group(3))), m.group(4)


# Every non-pre-release `redis` version from 0.20.0 on, as listed by the crates.io index
# (2026-11).  (y) = yanked: still fetched (a lockfile may pin it), see fetch().
REDIS_VERSIONS = """
0.20.0(y) 0.20.1(y) 0.20.2 0.20.3(y)
0.21.0 0.21.1 0.21.2 0.21.3 0.21.4 0.21.5 0.21.6 0.21.7 0.21.8
0.22.0 0.22.1 0.22.2(y) 0.22.3 0.22.4
0.23.0 0.23.1 0.23.2 0.23.3 0.23.4(y) 0.23.5
0.24.0 0.24.1
0.25.0(y) 0.25.1(y) 0.25.2 0.25.3 0.25.4 0.25.5
0.26.0 0.26.1
0.27.0(y) 0.27.1(y) 0.27.2 0.27.3 0.27.4(y) 0.27.5 0.27.6
0.28.0 0.28.1 0.28.2
0.29.0 0.29.1 0.29.2 0.29.3(y) 0.29.4(y) 0.29.5
0.30.0 0.31.0
0.32.0 0.32.1 0.32.2 0.32.3 0.32.4 0.32.5 0.32.6 0.32.7
1.0.0 1.0.1 1.0.2 1.0.3 1.0.4 1.0.5 1.1.0
1.2.0 1.2.1 1.2.2 1.2.3 1.2.4 1.3.0 1.4.0 1.4.1 1.5.0 1.6.0
1.7.0 1.7.1 1.8.0 1.8.1
"""


def wanted_versions():
    out = []
    for w in REDIS_VERSIONS.split():
        yanked = w.endswith("(y)")
        out.append((w[:-3] if yanked else w, yanked))
    return out


def registry_dirs():
    return glob.glob(os.path.expanduser("~/.cargo/registry/src/*"))


def find_sources(dirs, versions):
    """{(x, y, z): path} for every wanted version; exits listing the missing ones."""
    found, missing = {}, []
    for v, _ in versions:
        paths = [os.path.join(d, "redis-" + v) for d in dirs]
        paths = [p for p in paths if os.path.isdir(os.path.join(p, "src"))]
        if paths:
            found[parse_version(v)[0]] = paths[0]
        else:
            missing.append(v)
    if missing:
        sys.exit("redis sources missing for %s; run with --fetch first" % " ".join(missing))
    return dict(sorted(found.items()))


def fetch(versions, scratch):
    """Put every wanted redis-X.Y.Z into cargo's registry source cache, with cargo itself.

    `cargo info redis@X` downloads and unpacks one crate without resolving its
    dependencies.  Cargo refuses a yanked version there, but `cargo info` inside a
    throwaway package whose lockfile was pinned with `cargo update --precise` takes it."""
    os.makedirs(scratch, exist_ok=True)
    have = {os.path.basename(p) for d in registry_dirs() for p in glob.glob(os.path.join(d, "redis-*"))}
    for v, yanked in versions:
        if "redis-" + v in have:
            continue
        print("fetching redis %s%s" % (v, " (yanked)" if yanked else ""), file=sys.stderr)
        if not yanked:
            subprocess.run(["cargo", "info", "redis@" + v], cwd=scratch, check=True,
                           stdout=subprocess.DEVNULL)
            continue
        d = os.path.join(scratch, "pin-" + v)
        os.makedirs(os.path.join(d, "src"), exist_ok=True)
        with open(os.path.join(d, "Cargo.toml"), "w") as f:
            f.write('[package]\nname = "pin"\nversion = "0.0.0"\nedition = "2021"\n'
                    '[workspace]\n[dependencies]\nredis = { version = "%s", default-features = false }\n'
                    % v.rsplit(".", 1)[0])
        open(os.path.join(d, "src", "lib.rs"), "w").close()
        subprocess.run(["cargo", "generate-lockfile", "-q"], cwd=d, check=True)
        subprocess.run(["cargo", "update", "-q", "-p", "redis", "--precise", v], cwd=d, check=True)
        subprocess.run(["cargo", "info", "redis"], cwd=d, check=True, stdout=subprocess.DEVNULL)


# ---------------------------------------------------------------------------
# Symbolic reading of a method body: what argument vector does it send?
# ---------------------------------------------------------------------------
#
# An Item is one `.arg(..)` (or `.cursor_arg(..)`) of the command, in order:
#   ("lit", ["X", ...])        a string literal (alternatives if `if c {"A"} else {"B"}`)
#   ("param", p)               the parameter p itself
#   ("first", p) / ("second", p)
#                              the keys / the weights unzipped from a `&[(K, W)]` parameter
#   ("count", p)               p.len() / p.num_of_args(): a computed number
#   ("derived", {p, ...})      any other expression of the parameters (serde_json, i32::from ...)
#   ("const", None)            an expression that uses no parameter
#   ("cursor", None)           the SCAN cursor placeholder
#   ("repeat", (p, items))     a `for (a, b, c) in p { .arg(a).arg(b)... }` loop; inside it,
#                              items are ("elem", (p, i)) for the i-th tuple element

SCALAR_TYPES = {"isize", "usize", "i64", "u64", "i32", "u32", "u16", "f64", "bool",
                "Direction", "geo::Unit", "ExpireOption", "&'a isize"}

# Option types whose `ToRedisArgs` output can name keys.  Checked by hand in
# src/geo.rs / src/commands/geo.rs: RadiusOptions::store / store_dist(K: ToRedisArgs)
# write `STORE key` / `STOREDIST key`.  No other options type of any version takes a key.
KEYED_OPTION_TYPES = {"RadiusOptions": ("STORE", "STOREDIST")}


class Body:
    def __init__(self):
        self.command = None       # primary command name
        self.alt = None           # the other branch of `cmd(if c {"A"} else {"B"})`
        self.alt_cond = []        # tokens of that condition
        self.items = []
        self.special = None       # 'evalsha' | 'script_load'


def _strip_ref(toks):
    while toks and (toks[0].is_p("&") or toks[0].is_id("mut")):
        toks = toks[1:]
    return toks


def _literal_if(toks):
    """`if COND { "A" } else { "B" }` with literal branches -> (cond, "A", "B")."""
    if not toks or not toks[0].is_id("if"):
        return None
    i = 1
    while not toks[i].is_p("{"):
        i += 1
    cond = toks[1:i]
    j = match_close(toks, i)
    a = toks[i + 1:j]
    if not (len(a) == 1 and a[0].kind == "str" and toks[j + 1].is_id("else") and toks[j + 2].is_p("{")):
        return None
    k = match_close(toks, j + 2)
    b = toks[j + 3:k]
    if not (len(b) == 1 and b[0].kind == "str" and k == len(toks) - 1):
        return None
    return cond, a[0].text, b[0].text


def classify(toks, env):
    toks = _strip_ref(toks)
    if len(toks) == 1 and toks[0].kind == "str":
        return ("lit", [toks[0].text])
    li = _literal_if(toks)
    if li:
        return ("lit", [li[1], li[2]])
    if len(toks) == 1 and toks[0].kind == "id" and toks[0].text in env:
        return env[toks[0].text]
    if len(toks) == 5 and toks[0].kind == "id" and toks[1].is_p(".") \
            and toks[2].text in ("len", "num_of_args") and toks[3].is_p("(") and toks[4].is_p(")"):
        target = env.get(toks[0].text)
        if target and target[0] in ("param", "first", "second"):
            return ("count", target[1])
    refs = set()
    for t in toks:
        if t.kind == "id" and t.text in env:
            v = env[t.text]
            if v[0] in ("param", "first", "second", "elem"):
                refs.add(v[1] if v[0] != "elem" else v[1][0])
            elif v[0] == "derived":
                refs |= v[1]
    return ("derived", refs) if refs else ("const", None)


def interpret(method):
    env = {a: ("param", a) for a, _ in method.args}
    body = Body()
    toks = method.body
    if any(t.is_id("eval_cmd") for t in toks):
        body.special = "evalsha"
        body.command = "EVALSHA"
        return body
    if any(t.is_id("load_cmd") for t in toks):
        body.special = "script_load"
        body.command = "SCRIPT"
        body.items = [("lit", ["LOAD"])]
        return body
    stmts = split_top(toks, sep=";", angle=False)
    for st in stmts:
        if st and st[0].is_id("let"):
            eq = next(i for i, t in enumerate(st) if t.is_p("="))
            pat = st[1:eq]
            rhs = st[eq + 1:]
            if any(t.is_id("cmd") for t in rhs[:1]):
                _scan(rhs, env, body, None)
                continue
            names = [t.text for t in pat if t.kind == "id" and t.text != "mut"]
            # `let (keys, weights): (Vec<&K>, Vec<&W>) = keys.iter().map(..).unzip();`
            if pat and pat[0].is_p("(") and any(t.is_id("unzip") for t in rhs) \
                    and rhs[0].kind == "id" and env.get(rhs[0].text, ("",))[0] == "param":
                src = env[rhs[0].text][1]
                inner = pat[1:match_close(pat, 0)]
                pair = [p[0].text for p in split_top(inner)]
                env[pair[0]] = ("first", src)
                env[pair[1]] = ("second", src)
                continue
            d = classify(rhs, env)
            refs = d[1] if d[0] == "derived" else ({d[1]} if d[0] == "param" else set())
            for nm in names:
                if nm.islower() or "_" in nm:
                    env[nm] = ("derived", set(refs))
            continue
        _scan(st, env, body, None)
    return body


def _scan(toks, env, body, loop):
    """Walk an expression statement, collecting cmd(..), .arg(..), .cursor_arg(..), for loops."""
    i = 0
    while i < len(toks):
        t = toks[i]
        if t.is_id("for"):
            j = i + 1
            while not toks[j].is_id("in"):
                j += 1
            pat = toks[i + 1:j]
            k = j + 1
            while not toks[k].is_p("{"):
                k += 1
            src = classify(toks[j + 1:k], env)
            end = match_close(toks, k)
            assert src[0] == "param", ("loop over", src)
            env2 = dict(env)
            if pat[0].is_p("("):
                for n, p in enumerate(split_top(pat[1:-1])):
                    env2[p[0].text] = ("elem", (src[1], n))
            else:
                env2[pat[0].text] = ("elem", (src[1], 0))
            sub = Body()
            for st in split_top(toks[k + 1:end], sep=";", angle=False):
                _scan(st, env2, sub, src[1])
            body.items.append(("repeat", (src[1], sub.items)))
            i = end + 1
            continue
        if t.is_id("cmd") and i + 1 < len(toks) and toks[i + 1].is_p("(") \
                and not (i > 0 and (toks[i - 1].is_p(".") or toks[i - 1].is_p("::"))):
            j = match_close(toks, i + 1)
            inner = toks[i + 2:j]
            if len(inner) == 1 and inner[0].kind == "str":
                body.command = inner[0].text
            else:
                li = _literal_if(inner)
                assert li, ("cmd(..) not understood", text(inner))
                cond, a, b = li
                # the primary command is the shorter name (GET/MGET, INCRBY/INCRBYFLOAT,
                # XREAD/XREADGROUP, HGET/HMGET, JSON.GET/JSON.MGET)
                if len(b) < len(a):
                    a, b = b, a
                body.command, body.alt, body.alt_cond = a, b, cond
            i = j + 1
            continue
        # `ready_cmd!(NAME, a, b)` (2.0 pre-releases) == `cmd(NAME).arg(a).arg(b)`
        if t.is_id("ready_cmd") and i + 2 < len(toks) and toks[i + 1].is_p("!") \
                and toks[i + 2].is_p("("):
            j = match_close(toks, i + 2)
            parts = split_top(toks[i + 3:j], angle=False)
            _scan([Tok("id", "cmd"), Tok("p", "(")] + parts[0] + [Tok("p", ")")], env, body, loop)
            for part in parts[1:]:
                body.items.append(classify(part, env))
            i = j + 1
            continue
        if t.is_p(".") and i + 2 < len(toks) and toks[i + 1].kind == "id" \
                and toks[i + 1].text in ("arg", "cursor_arg") and toks[i + 2].is_p("("):
            j = match_close(toks, i + 2)
            if toks[i + 1].text == "cursor_arg":
                body.items.append(("cursor", None))
            else:
                body.items.append(classify(toks[i + 3:j], env))
            i = j + 1
            continue
        i += 1


# ---------------------------------------------------------------------------
# Redis key specifications (the oracle for which arguments are keys)
# ---------------------------------------------------------------------------

TABLE_FILES = [
    # read from a live Redis 7.0.15 (COMMAND INFO); see the reference README
    "redis-commands-all.tsv",
    # newer commands, from the src/commands/*.json of later Redis / Valkey
    "commands-after-7.0.tsv",
]
# searched in this order, relative to the repository root, then the shared reference dir
TABLE_DIRS = ["crates/analyzer/data", "fixtures/reference", "/work/shared/reference"]


def default_tables(root):
    out = []
    for name in TABLE_FILES:
        for d in TABLE_DIRS:
            path = os.path.join(root, d, name)
            if os.path.exists(path):
                out.append(path)
                break
        else:
            sys.exit("key-spec table %s not found in %s" % (name, TABLE_DIRS))
    return out

# HAND-WRITTEN: key specs of commands that neither table has (module commands, and
# commands newer than both tables), in the tables' notation.  Sources: the command
# pages on redis.io (RedisJSON, RedisBloom, vector sets, Redis 8.x core).
SUPPLEMENTARY_SPECS = {
    ("JSON.ARRAPPEND", ""): "index(1) range(lastkey=0,step=1,limit=0)",
    ("JSON.ARRINDEX", ""): "index(1) range(lastkey=0,step=1,limit=0)",
    ("JSON.ARRINSERT", ""): "index(1) range(lastkey=0,step=1,limit=0)",
    ("JSON.ARRLEN", ""): "index(1) range(lastkey=0,step=1,limit=0)",
    ("JSON.ARRPOP", ""): "index(1) range(lastkey=0,step=1,limit=0)",
    ("JSON.ARRTRIM", ""): "index(1) range(lastkey=0,step=1,limit=0)",
    ("JSON.CLEAR", ""): "index(1) range(lastkey=0,step=1,limit=0)",
    ("JSON.DEL", ""): "index(1) range(lastkey=0,step=1,limit=0)",
    ("JSON.GET", ""): "index(1) range(lastkey=0,step=1,limit=0)",
    ("JSON.MGET", ""): "index(1) range(lastkey=-2,step=1,limit=0)",     # JSON.MGET key... path
    ("JSON.MSET", ""): "index(1) range(lastkey=-1,step=3,limit=0)",     # key path value ...
    ("JSON.NUMINCRBY", ""): "index(1) range(lastkey=0,step=1,limit=0)",
    ("JSON.OBJKEYS", ""): "index(1) range(lastkey=0,step=1,limit=0)",
    ("JSON.OBJLEN", ""): "index(1) range(lastkey=0,step=1,limit=0)",
    ("JSON.SET", ""): "index(1) range(lastkey=0,step=1,limit=0)",
    ("JSON.STRAPPEND", ""): "index(1) range(lastkey=0,step=1,limit=0)",
    ("JSON.STRLEN", ""): "index(1) range(lastkey=0,step=1,limit=0)",
    ("JSON.TOGGLE", ""): "index(1) range(lastkey=0,step=1,limit=0)",
    ("JSON.TYPE", ""): "index(1) range(lastkey=0,step=1,limit=0)",
    ("BF.ADD", ""): "index(1) range(lastkey=0,step=1,limit=0)",
    ("BF.CARD", ""): "index(1) range(lastkey=0,step=1,limit=0)",
    ("BF.EXISTS", ""): "index(1) range(lastkey=0,step=1,limit=0)",
    ("BF.INFO", ""): "index(1) range(lastkey=0,step=1,limit=0)",
    ("BF.INSERT", ""): "index(1) range(lastkey=0,step=1,limit=0)",
    ("BF.LOADCHUNK", ""): "index(1) range(lastkey=0,step=1,limit=0)",
    ("BF.MADD", ""): "index(1) range(lastkey=0,step=1,limit=0)",
    ("BF.MEXISTS", ""): "index(1) range(lastkey=0,step=1,limit=0)",
    ("BF.RESERVE", ""): "index(1) range(lastkey=0,step=1,limit=0)",
    ("BF.SCANDUMP", ""): "index(1) range(lastkey=0,step=1,limit=0)",
    ("VADD", ""): "index(1) range(lastkey=0,step=1,limit=0)",
    ("VCARD", ""): "index(1) range(lastkey=0,step=1,limit=0)",
    ("VDIM", ""): "index(1) range(lastkey=0,step=1,limit=0)",
    ("VEMB", ""): "index(1) range(lastkey=0,step=1,limit=0)",
    ("VGETATTR", ""): "index(1) range(lastkey=0,step=1,limit=0)",
    ("VINFO", ""): "index(1) range(lastkey=0,step=1,limit=0)",
    ("VLINKS", ""): "index(1) range(lastkey=0,step=1,limit=0)",
    ("VRANDMEMBER", ""): "index(1) range(lastkey=0,step=1,limit=0)",
    ("VREM", ""): "index(1) range(lastkey=0,step=1,limit=0)",
    ("VSETATTR", ""): "index(1) range(lastkey=0,step=1,limit=0)",
    ("VSIM", ""): "index(1) range(lastkey=0,step=1,limit=0)",
    ("DELEX", ""): "index(1) range(lastkey=0,step=1,limit=0)",
    ("DIGEST", ""): "index(1) range(lastkey=0,step=1,limit=0)",
    ("INCREX", ""): "index(1) range(lastkey=0,step=1,limit=0)",
    ("XACKDEL", ""): "index(1) range(lastkey=0,step=1,limit=0)",
    ("XDELEX", ""): "index(1) range(lastkey=0,step=1,limit=0)",
    ("XCFGSET", ""): "index(1) range(lastkey=0,step=1,limit=0)",
    ("XNACK", ""): "index(1) range(lastkey=0,step=1,limit=0)",
    # FT.CREATE names an index, not a key (RediSearch routes it itself); keyless here
    ("FT.CREATE", ""): "-",
}

SPEC_RE = re.compile(r"#\d+\[([^\]]*)\]\s+(index\((\d+)\)|keyword\(([^,]+),startfrom=(-?\d+)\)|unknown)\s+"
                     r"(range\(lastkey=(-?\d+),step=(\d+),limit=(\d+)\)|"
                     r"keynum\(numkeys_at=\+(\d+),firstkey=\+(\d+),step=(\d+)\)|unknown)")


class KeySpec:
    def __init__(self, flags, begin, find):
        self.flags = flags  # list of str
        self.begin = begin  # ('index', n) | ('keyword', kw, startfrom) | ('unknown',)
        self.find = find    # ('range', lastkey, step, limit) | ('keynum', at, first, step) | ('unknown',)

    def __repr__(self):
        return "KeySpec(%s %s %s)" % (self.flags, self.begin, self.find)


def parse_specs(summary):
    if summary.strip() == "-":
        return []
    specs = []
    for part in summary.split(" ; "):
        part = part.strip()
        if not part.startswith("#"):
            part = "#0[] " + part
        m = SPEC_RE.match(part)
        assert m, part
        flags = [f for f in m.group(1).split(",") if f]
        if m.group(3) is not None:
            begin = ("index", int(m.group(3)))
        elif m.group(4) is not None:
            begin = ("keyword", m.group(4), int(m.group(5)))
        else:
            begin = ("unknown",)
        if m.group(7) is not None:
            find = ("range", int(m.group(7)), int(m.group(8)), int(m.group(9)))
        elif m.group(10) is not None:
            find = ("keynum", int(m.group(10)), int(m.group(11)), int(m.group(12)))
        else:
            find = ("unknown",)
        specs.append(KeySpec(flags, begin, find))
    return specs


def load_specs(paths):
    """{(COMMAND, SUBCOMMAND): (specs, source)}; the first table that has a command wins."""
    table = {}
    containers = set()
    for path in paths:
        with open(path, encoding="utf-8") as f:
            header = f.readline().rstrip("\n").split("\t")
            for line in f:
                row = dict(zip(header, line.rstrip("\n").split("\t")))
                key = (row["command"].upper(), row["subcommand"].upper())
                if key[1]:
                    containers.add(key[0])
                if key not in table:
                    table[key] = (parse_specs(row["key_spec_summary"]), os.path.basename(path))
    for key, summary in SUPPLEMENTARY_SPECS.items():
        if key not in table:
            table[key] = (parse_specs(summary), "SUPPLEMENTARY_SPECS")
    return table, containers


# ---------------------------------------------------------------------------
# Parameter roles
# ---------------------------------------------------------------------------

PARAM_VARIANTS = ["Key", "Keys", "KeyValuePairs", "KeyWeightPairs", "KeyPathValueTriples",
                  "NumKeys", "Script", "KeyOptions", "ShardChannel", "Arg"]
KEY_ROLES = {"Key", "Keys", "KeyValuePairs", "KeyWeightPairs", "KeyPathValueTriples",
             "KeyOptions"}


class RoleError(Exception):
    pass


def param_bound(method, p, override=None):
    """'single' (ToSingleRedisArg generic), 'multi' (ToRedisArgs generic or a slice),
    'scalar', or 'other' (a concrete options type, Option<..>, Serialize ...).

    `override` is another version of the same method (the newest): its bound wins when it
    has a parameter of that name, so a key that is single in 1.x is single in every version."""
    if override is not None and override.arg_type(p) is not None:
        return param_bound(override, p)
    ty = method.arg_type(p)
    s = text(ty)
    if s in method.generics:
        bounds = method.generics[s]
        if "ToSingleRedisArg" in bounds:
            return "single"
        if "ToRedisArgs" in bounds:
            return "multi"
        return "other"
    if s.startswith("&'a[") or s.startswith("&["):
        return "multi"
    if s in SCALAR_TYPES:
        return "scalar"
    return "other"


def item_width(method, it):
    kind = it[0]
    if kind in ("lit", "count", "cursor", "const", "derived"):
        return 1
    if kind == "param":
        b = param_bound(method, it[1])
        ty = text(method.arg_type(it[1]))
        if b in ("single", "scalar") or (b == "multi" and ty in method.generics):
            return 1  # nominal: one value
        return None
    return None


def assign_roles(method, body, spec_table, containers, newest=None):
    """Return ({param: role}, subcommand, specs_source)."""
    roles = {}

    def bound(p):
        return param_bound(method, p, newest)

    def put(p, role):
        old = roles.get(p)
        if old and old != role:
            raise RoleError("%s: %s gets both %s and %s" % (method.name, p, old, role))
        roles[p] = role

    if body.special == "evalsha" or any("ScriptInvocation" in text(ty) for _, ty in method.args):
        (p, _), = method.args
        put(p, "Script")
        return roles, None, "ScriptInvocation"
    cmdname = body.command.upper()
    sub = ""
    if cmdname in containers and body.items and body.items[0][0] == "lit":
        sub = body.items[0][1][0].upper()
    entry = spec_table.get((cmdname, sub))
    if entry is None:
        raise RoleError("%s: no key spec for %s %s" % (method.name, cmdname, sub))
    specs, source = entry
    items = body.items
    positions, pos = [], 1
    for it in items:
        positions.append(pos)
        w = item_width(method, it)
        pos = pos + w if (w is not None and pos is not None) else None

    def single(it, spec):
        if it[0] != "param":
            raise RoleError("%s: single-key position holds %r" % (method.name, it))
        put(it[1], "ShardChannel" if "not_key" in spec.flags else "Key")

    def multi(it, step):
        if it[0] == "param":
            p = it[1]
            b = bound(p)
            if step == 1:
                put(p, "Keys" if b == "multi" else "Key")
            elif step == 2:
                ty = text(method.arg_type(p))
                if not re.match(r"&('a)?\[\(\w+,\w+\)\]$", ty):
                    raise RoleError("%s: key/value range holds %s: %s" % (method.name, p, ty))
                put(p, "KeyValuePairs")
            else:
                raise RoleError("%s: step %d over a plain parameter" % (method.name, step))
        elif it[0] == "repeat":
            p, inner = it[1]
            if step != len(inner) or inner[0] != ("elem", (p, 0)) or step != 3:
                raise RoleError("%s: loop does not match step %d" % (method.name, step))
            put(p, "KeyPathValueTriples")
        else:
            raise RoleError("%s: multi-key range holds %r" % (method.name, it))

    for spec in specs:
        b = spec.begin
        if b[0] == "index":
            try:
                idx = positions.index(b[1])
            except ValueError:
                raise RoleError("%s: %s: no argument at index %d (positions %s)"
                                % (method.name, cmdname, b[1], positions))
        elif b[0] == "keyword":
            idx = None
            for i, it in enumerate(items):
                if it[0] == "lit" and b[1] in it[1]:
                    idx = i + 1
                    break
            if idx is None:
                # optional keys written by an options value (GEORADIUS ... STORE key)
                for p, ty in method.args:
                    last = re.sub(r"^.*::", "", text(ty))
                    if b[1] in KEYED_OPTION_TYPES.get(last, ()):
                        put(p, "KeyOptions")
                continue
        else:
            raise RoleError("%s: %s has an unknown key spec begin" % (method.name, cmdname))
        f = spec.find
        if f[0] == "range":
            _, lastkey, step, limit = f
            if lastkey == 0:
                single(items[idx], spec)
            elif limit == 2:
                rest = [it for it in items[idx:]]
                if len(rest) != 2:
                    raise RoleError("%s: keys/ids split over %r" % (method.name, rest))
                multi(rest[0], 1)
            elif lastkey < 0:
                end = len(items) + lastkey + 1
                if end <= idx:
                    raise RoleError("%s: empty key range" % method.name)
                for it in items[idx:end]:
                    multi(it, step)
            else:
                raise RoleError("%s: range lastkey=%d not handled" % (method.name, lastkey))
        elif f[0] == "keynum":
            _, at, first, step = f
            cnt, kit = items[idx + at], items[idx + first]
            if cnt[0] == "count":
                q = cnt[1]
                if kit == ("param", q):
                    if step == 2:
                        multi(kit, 2)
                    else:
                        put(q, "Keys")
                elif kit == ("first", q):
                    put(q, "KeyWeightPairs")
                else:
                    raise RoleError("%s: numkeys counts %s but keys are %r" % (method.name, q, kit))
            elif cnt[0] == "param" and bound(cnt[1]) == "scalar":
                put(cnt[1], "NumKeys")
                if kit[0] != "param":
                    raise RoleError("%s: keys after NumKeys are %r" % (method.name, kit))
                put(kit[1], "Keys" if bound(kit[1]) == "multi" else "Key")
            else:
                raise RoleError("%s: numkeys item %r" % (method.name, cnt))
        else:
            raise RoleError("%s: %s has an unknown key spec find" % (method.name, cmdname))
    return roles, (sub or None), source


# ---------------------------------------------------------------------------
# Across versions
# ---------------------------------------------------------------------------

# HAND-WRITTEN NOTE: `redis::cmd("X")` and `Cmd::new()` build raw commands; they are not
# command methods and are deliberately absent from the table (the analyzer reads their
# `.arg(..)` chains against the key-spec table instead).

ORIGIN_GROUP = {"commands": "Commands", "iterator": "Iterator", "typed": "TypedOnly", "json": "Json"}


class Record:
    pass


def vstr(v):
    return "%d.%d.%d" % v


def build(sources, spec_table, containers, warn):
    per_version = {v: read_version(p) for v, p in sources.items()}
    versions = list(per_version)
    names = sorted({n for ms in per_version.values() for n in ms})
    records = []
    for name in names:
        present = [v for v in versions if name in per_version[v]]
        idx = [versions.index(v) for v in present]
        if idx != list(range(idx[0], idx[-1] + 1)):
            missing = [vstr(versions[i]) for i in range(idx[0], idx[-1] + 1) if versions[i] not in present]
            warn("%s: absent from %s inside its version range" % (name, ", ".join(missing)))
        newest = per_version[present[-1]][name]
        r = Record()
        r.name = name
        r.since = present[0]
        r.until = present[-1] if present[-1] != versions[-1] else None
        r.group = ORIGIN_GROUP[newest.origin]
        feats = newest.features()
        r.feature = feats[0] if feats else ("json" if newest.origin == "json" else None)
        r.deprecated = newest.deprecated()
        r.alt_command = None
        r.multi_key_command = None
        r.key_expands_before_1x = False
        r.key_expands_in_1x = False
        r.commands = set()
        sigs = []  # [(version, roles tuple)]
        for v in present:
            m = per_version[v][name]
            body = interpret(m)
            roles, sub, source = assign_roles(m, body, spec_table, containers, newest)
            sig = tuple(roles.get(a, "Arg") for a, _ in m.args)
            sigs.append((v, sig))
            r.commands.add((body.command, sub))
            if v == present[-1]:
                r.command, r.subcommand, r.spec_source = body.command, sub, source
                r.param_names = [a for a, _ in m.args]
            if body.alt:
                cond_params = {t.text for t in body.alt_cond if t.kind == "id"} & set(roles)
                if any(roles[p] in KEY_ROLES for p in cond_params):
                    assert v < (1, 0, 0), (name, v)
                    r.multi_key_command = body.alt
                else:
                    r.alt_command = body.alt
            for p, role in roles.items():
                if role == "Key" and param_bound(m, p) == "multi":
                    if v < (1, 0, 0):
                        r.key_expands_before_1x = True
                    elif v == present[-1]:
                        r.key_expands_in_1x = True
        if len(r.commands) != 1:
            warn("%s: sends different commands across versions: %s" % (name, sorted(r.commands)))
        r.params = sigs[-1][1]
        r.older = []
        cur = None
        for v, sig in sigs:
            if sig == r.params:
                cur = None
                continue
            if cur and cur[2] == sig:
                cur[1] = v
            else:
                cur = [v, v, sig]
                r.older.append(cur)
        records.append(r)
    return records, versions


# ---------------------------------------------------------------------------
# Rust output
# ---------------------------------------------------------------------------

def rv(v):
    return "(%d, %d, %d)" % v


def rstr(s):
    return "Some(%s)" % rq(s) if s is not None else "None"


def rq(s):
    return '"%s"' % s.replace("\\", "\\\\").replace('"', '\\"')


def rparams(sig):
    return "&[%s]" % ", ".join("Param::" + p for p in sig)


RUST_HEADER = '''//! Every command method of the `redis` crate (redis-rs), with the role of each parameter.
//!
//! Generated by `scripts/gen-redis-methods.py` from the redis-rs sources of versions
//! {first}..{last}; do not edit. {count} releases read (see [`VERSIONS_READ`]):
{list}
//!
//! Sources parsed: the `implement_commands!` skeletons (`Commands`, `AsyncCommands`,
//! `TypedCommands`, `AsyncTypedCommands`, `Pipeline`, `ClusterPipeline`, and the
//! `Cmd::<name>` constructors), the hand-written methods of the `implement_commands` /
//! `implement_iterators` macros (the SCAN family; `TypedCommands::get_int` / `mget_ints`),
//! and `implement_json_commands!` (`JsonCommands`, `JsonAsyncCommands`, pipelines, `Cmd`).
//! `redis::cmd` / `Cmd::new` are not methods and are not listed.
//!
//! Parameter roles come from reading what each argument becomes in the method body
//! (`cmd("X").arg(key)...`) against the key specifications of the Redis command (the live
//! Redis 7.0.15 table `fixtures/reference/redis-commands-all.tsv`,
//! `crates/analyzer/data/commands-after-7.0.tsv`, and a short hand-written list for module
//! commands in the generator). See `crates/analyzer/data/README.md`.

/// A redis-rs version, `(major, minor, patch)`.
pub type Version = (u16, u16, u16);

/// What one method parameter (after `self`) becomes in the command.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Param {{
    /// Exactly one key. In 1.x usually bounded `ToSingleRedisArg`; see
    /// [`MethodSpec::key_expands_before_1x`] / [`MethodSpec::key_expands_in_1x`] for the
    /// versions where a collection passed here compiles (and becomes extra arguments).
    Key,
    /// A `ToRedisArgs` value (slice, `Vec`, tuple, set, single string...) whose every
    /// flattened argument is a key: `del`, `mget`, the sources of `sunionstore`, `xread`'s streams.
    Keys,
    /// `&[(K, V)]` flattened to `k1 v1 k2 v2 ...`, keys at even positions: `mset`, `mset_nx`, `mset_ex`.
    KeyValuePairs,
    /// `&[(K, W)]`: the keys and, after `WEIGHTS`, their weights: `z*store*_weights`.
    KeyWeightPairs,
    /// `&[(K, P, V)]`: key, JSON path, value per element: `json_mset`.
    KeyPathValueTriples,
    /// A caller-supplied count of the keys that follow (`lmpop`, `blmpop`).
    NumKeys,
    /// A `&ScriptInvocation`: its keys are those added with `.key(..)` (`invoke_script`).
    Script,
    /// An options value that can add keys (`geo::RadiusOptions::store` / `store_dist`).
    KeyOptions,
    /// A shard channel, hashed to a slot like a key (`spublish`).
    ShardChannel,
    /// Anything else: values, fields, members, counts, patterns, options.
    Arg,
}}

/// Where the method is defined.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Group {{
    /// `implement_commands!`: `Commands`, `AsyncCommands`, `TypedCommands`,
    /// `AsyncTypedCommands` (0.32+), `Pipeline` and `ClusterPipeline` builders, `Cmd::<name>`.
    Commands,
    /// The SCAN family (`scan`, `hscan_match`, ...): on the four command traits only,
    /// not on pipelines and not on `Cmd`.
    Iterator,
    /// Only on `TypedCommands` / `AsyncTypedCommands` (`get_int`, `mget_ints`).
    TypedOnly,
    /// `implement_json_commands!` (feature `json`): `JsonCommands`, `JsonAsyncCommands`,
    /// pipeline builders (returning `RedisResult<&mut Self>`), `Cmd::<name>`.
    Json,
}}

/// The parameter roles of an older release range whose signature differed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OlderSignature {{
    pub since: Version,
    pub until: Version,
    pub params: &'static [Param],
}}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MethodSpec {{
    /// Method name, e.g. `"zunionstore_weights"`.
    pub name: &'static str,
    /// The Redis command as sent (argument 0): `"ZUNIONSTORE"`; `"BITOP"` for `bit_*`;
    /// `"XGROUP"` for `xgroup_create` (see `subcommand`); `"EVALSHA"` for `invoke_script`.
    pub command: &'static str,
    /// Argument 1 when the command is a container (`XGROUP CREATE`, `OBJECT ENCODING`,
    /// `ACL SETUSER`, `SCRIPT LOAD`...).
    pub subcommand: Option<&'static str>,
    /// The other command a run-time condition may send instead, with the same key layout:
    /// `incr` INCRBYFLOAT, `hincr` HINCRBYFLOAT, `xread_options` XREADGROUP, and before 1.0
    /// `hget` HMGET (several fields).
    pub alt_command: Option<&'static str>,
    /// Before 1.0 only: the command sent when the key argument expands to several
    /// arguments; then every argument of that parameter is a key (`get` → MGET,
    /// `json_get` → JSON.MGET, whose last argument stays the path).
    pub multi_key_command: Option<&'static str>,
    /// One per parameter after `self`, in order (as of the newest release having the method).
    pub params: &'static [Param],
    /// Names of those parameters in the source (newest release).
    pub param_names: &'static [&'static str],
    /// First release read that has the method (the oldest release read is {first}:
    /// `since == {first_t}` means "{first} or earlier").
    pub since: Version,
    /// Last release that has it, or `None` if the newest release read ({last}) still has it.
    pub until: Option<Version>,
    /// Older releases whose parameter roles differed from `params`.
    pub older: &'static [OlderSignature],
    pub group: Group,
    /// Cargo feature gating the method, if any (`streams`, `geospatial`, `acl`, `json`, ...).
    pub feature: Option<&'static str>,
    /// `#[deprecated]` in the newest release having it.
    pub deprecated: bool,
    /// Before 1.0 a `Param::Key` parameter was bounded `ToRedisArgs`, so a slice or `Vec`
    /// compiled there and became several arguments (for most commands a malformed call,
    /// for `get` / `json_get` see `multi_key_command`). True for every pre-1.0 method with a key.
    pub key_expands_before_1x: bool,
    /// In the newest release a `Param::Key` parameter is still bounded `ToRedisArgs`
    /// although the command takes one key there (stream `x*` and vector-set `v*` methods):
    /// a collection compiles and yields a malformed single-key command, never a multi-key one.
    pub key_expands_in_1x: bool,
}}

impl MethodSpec {{
    /// Whether the release `v` has this method.
    #[must_use]
    pub fn in_version(&self, v: Version) -> bool {{
        v >= self.since && !matches!(self.until, Some(u) if v > u)
    }}

    /// Parameter roles in release `v` (falls back to `params`).
    #[must_use]
    pub fn params_in(&self, v: Version) -> &'static [Param] {{
        self.older
            .iter()
            .find(|o| v >= o.since && v <= o.until)
            .map_or(self.params, |o| o.params)
    }}

    /// Whether any parameter carries keys.
    #[must_use]
    pub fn has_keys(&self) -> bool {{
        self.params.iter().any(|p| {{
            !matches!(p, Param::Arg | Param::NumKeys | Param::ShardChannel)
        }})
    }}
}}

/// Binary search by method name.
#[must_use]
pub fn lookup(name: &str) -> Option<&'static MethodSpec> {{
    METHODS.binary_search_by(|m| m.name.cmp(name)).ok().map(|i| &METHODS[i])
}}

/// The releases read to build [`METHODS`], oldest first.
pub const VERSIONS_READ: &[Version] = &[{versions}];

/// Every method, sorted by name.
#[rustfmt::skip]
pub const METHODS: &[MethodSpec] = &[
'''


def wrap_doc(s, width=92):
    lines, cur = [], ""
    for word in s.split(" "):
        if cur and len(cur) + 1 + len(word) > width:
            lines.append(cur)
            cur = word
        else:
            cur = (cur + " " + word) if cur else word
    lines.append(cur)
    return "\n".join("//! " + l for l in lines)


def emit_rust(records, versions, yanked, tests):
    first, last = versions[0], versions[-1]
    out = [RUST_HEADER.format(
        first=vstr(first), last=vstr(last), first_t=rv(first), count=len(versions),
        list=wrap_doc(", ".join(vstr(v) + ("(yanked)" if v in yanked else "") for v in versions)),
        versions=", ".join(rv(v) for v in versions))]
    for r in records:
        older = "&[%s]" % ", ".join(
            "OlderSignature { since: %s, until: %s, params: %s }" % (rv(a), rv(b), rparams(sig))
            for a, b, sig in r.older)
        out.append(
            "    MethodSpec { name: %s, command: %s, subcommand: %s, alt_command: %s, "
            "multi_key_command: %s, params: %s, param_names: &[%s], since: %s, until: %s, "
            "older: %s, group: Group::%s, feature: %s, deprecated: %s, "
            "key_expands_before_1x: %s, key_expands_in_1x: %s },\n" % (
                rq(r.name), rq(r.command), rstr(r.subcommand), rstr(r.alt_command),
                rstr(r.multi_key_command), rparams(r.params),
                ", ".join(rq(n) for n in r.param_names), rv(r.since),
                "Some(%s)" % rv(r.until) if r.until else "None", older, r.group,
                rstr(r.feature), str(r.deprecated).lower(),
                str(r.key_expands_before_1x).lower(), str(r.key_expands_in_1x).lower()))
    out.append("];\n")
    out.append(tests)
    return "".join(out)


# HAND-WRITTEN tests, emitted verbatim into methods.rs.  The expectations come from
# /work/shared/reference/redis-rs-api.md (an independent reading of the redis-rs repo)
# and from the Redis command key specs, not from this generator's own output.
RUST_TESTS = r'''
#[cfg(test)]
mod tests {
    use super::*;

    fn m(name: &str) -> &'static MethodSpec {
        lookup(name).unwrap_or_else(|| panic!("method `{name}` missing"))
    }

    #[test]
    fn names_sorted_and_unique() {
        for w in METHODS.windows(2) {
            assert!(w[0].name < w[1].name, "{} !< {}", w[0].name, w[1].name);
        }
        for v in VERSIONS_READ.windows(2) {
            assert!(v[0] < v[1]);
        }
    }

    #[test]
    fn params_match_param_names() {
        for s in METHODS {
            assert_eq!(s.params.len(), s.param_names.len(), "{}", s.name);
            assert!(!matches!(s.until, Some(u) if u < s.since), "{}", s.name);
            for o in s.older {
                assert!(o.since <= o.until && o.params != s.params, "{}", s.name);
            }
        }
    }

    #[test]
    fn versions_read_cover_the_requested_lines() {
        for (maj, min) in [(0, 21), (0, 23), (0, 24), (0, 27), (0, 29), (0, 32), (1, 6)] {
            assert!(
                VERSIONS_READ.iter().any(|v| (v.0, v.1) == (maj, min)),
                "no {maj}.{min}.x read"
            );
        }
        assert!(VERSIONS_READ.contains(&(0, 32, 7)));
    }

    /// redis-rs-api.md §2.1: 279 `implement_commands!` skeletons at its HEAD, which is
    /// 1.6.0 plus one commit adding `ft_create`.
    #[test]
    fn skeleton_count_at_1_6_matches_the_reference() {
        let at = |v: Version, g: Group| METHODS.iter().filter(|s| s.group == g && s.in_version(v)).count();
        assert_eq!(at((1, 6, 0), Group::Commands), 278);
        assert_eq!(m("ft_create").since, (1, 7, 0));
        assert_eq!(at((1, 6, 0), Group::Iterator), 9);
        assert_eq!(at((1, 6, 0), Group::TypedOnly), 2);
    }

    /// Every method named in redis-rs-api.md §2.3-2.4 exists in 1.6.0.
    #[test]
    fn reference_methods_of_1x_present() {
        let names = [
            "mget", "mset", "mset_nx", "mset_ex", "del", "exists", "unlink", "copy", "rename",
            "rename_nx", "bit_and", "bit_or", "bit_xor", "bit_not", "bit_diff", "bit_diff1",
            "bit_and_or", "bit_one", "lmove", "blmove", "rpoplpush", "brpoplpush", "blpop",
            "brpop", "lmpop", "blmpop", "sdiff", "sinter", "sunion", "sdiffstore", "sinterstore",
            "sunionstore", "smove", "zinterstore", "zinterstore_min", "zinterstore_max",
            "zinterstore_weights", "zinterstore_min_weights", "zinterstore_max_weights",
            "zunionstore", "zunionstore_min", "zunionstore_max", "zunionstore_weights",
            "zunionstore_min_weights", "zunionstore_max_weights", "bzpopmax", "bzpopmin",
            "zmpop_max", "zmpop_min", "bzmpop_max", "bzmpop_min", "pfcount", "pfmerge", "xread",
            "xread_options", "invoke_script", "geo_radius", "geo_radius_by_member", "json_mget",
            "json_mset", "json_get", "get", "mget_ints", "get_int", "hmget", "hdel", "hget_ex",
            "smismember", "zscore_multiple", "pfadd", "object_encoding", "object_idletime",
            "object_freq", "object_refcount", "geo_add", "geo_dist", "geo_hash", "geo_pos",
            "xadd", "xack", "xrange", "xlen", "xtrim", "ping", "ping_message", "keys", "publish",
            "spublish", "client_getname", "client_id", "client_setname", "load_script",
            "flushall", "flushall_options", "flushdb", "flushdb_options", "acl_cat",
            "acl_setuser", "acl_whoami", "scan", "scan_options", "scan_match", "hscan",
            "hscan_match", "sscan", "sscan_match", "zscan", "zscan_match", "set_nx",
            "lpush_exists", "rpush_exists", "hset_multiple", "zrembylex", "zrembyscore",
            "key_type", "get_del", "get_ex", "incr", "decr", "hincr", "zincr", "del_ex",
            "digest", "bf_add", "vadd", "vsim",
        ];
        for n in names {
            assert!(m(n).in_version((1, 6, 0)), "{n} not in 1.6.0");
        }
        let sm = m("set_multiple");
        assert!(sm.until == Some((0, 32, 7)) && sm.deprecated);
        assert!(!m("set_multiple").in_version((1, 0, 0)));
    }

    /// redis-rs-api.md §2.4, "Method names that differ from the Redis command names".
    #[test]
    fn name_to_command() {
        let table = [
            ("set_nx", "SETNX"), ("rename_nx", "RENAMENX"), ("lpush_exists", "LPUSHX"),
            ("rpush_exists", "RPUSHX"), ("hset_multiple", "HMSET"), ("zscore_multiple", "ZMSCORE"),
            ("zrembylex", "ZREMRANGEBYLEX"), ("zrembyscore", "ZREMRANGEBYSCORE"),
            ("key_type", "TYPE"), ("get_del", "GETDEL"), ("get_ex", "GETEX"), ("incr", "INCRBY"),
            ("decr", "DECRBY"), ("hincr", "HINCRBY"), ("zincr", "ZINCRBY"), ("bit_and", "BITOP"),
            ("bit_or", "BITOP"), ("bit_xor", "BITOP"), ("bit_not", "BITOP"), ("bit_diff", "BITOP"),
            ("bit_diff1", "BITOP"), ("bit_and_or", "BITOP"), ("bit_one", "BITOP"),
            ("invoke_script", "EVALSHA"), ("load_script", "SCRIPT"), ("del_ex", "DELEX"),
            ("mset_ex", "MSETEX"), ("xread_options", "XREAD"), ("get", "GET"), ("mget", "MGET"),
            ("mget_ints", "MGET"), ("get_int", "GET"), ("set_multiple", "MSET"),
        ];
        for (n, c) in table {
            assert_eq!(m(n).command, c, "{n}");
        }
        assert_eq!(m("incr").alt_command, Some("INCRBYFLOAT"));
        assert_eq!(m("hincr").alt_command, Some("HINCRBYFLOAT"));
        assert_eq!(m("xread_options").alt_command, Some("XREADGROUP"));
        assert_eq!(m("load_script").subcommand, Some("LOAD"));
        assert_eq!(m("xgroup_create").subcommand, Some("CREATE"));
        assert_eq!(m("object_encoding").subcommand, Some("ENCODING"));
    }

    #[test]
    fn spot_checks() {
        use Param::*;
        let p = |n: &str| m(n).params;
        assert_eq!(p("mget"), &[Keys]);
        assert_eq!(p("del"), &[Keys]);
        assert_eq!(p("rename"), &[Key, Key]);
        assert_eq!(p("copy"), &[Key, Key, Arg]);
        assert_eq!(p("smove"), &[Key, Key, Arg]);
        assert_eq!(p("zunionstore"), &[Key, Keys]);
        assert_eq!(p("sunionstore"), &[Key, Keys]);
        assert_eq!(p("zunionstore_weights"), &[Key, KeyWeightPairs]);
        assert_eq!(p("zinterstore_max_weights"), &[Key, KeyWeightPairs]);
        assert_eq!(p("xread"), &[Keys, Arg]);
        assert_eq!(p("xread_options"), &[Keys, Arg, Arg]);
        assert_eq!(p("lmpop"), &[NumKeys, Keys, Arg, Arg]);
        assert_eq!(p("blmpop"), &[Arg, NumKeys, Keys, Arg, Arg]);
        assert_eq!(p("zmpop_min"), &[Keys, Arg]);
        assert_eq!(p("bzmpop_max"), &[Arg, Keys, Arg]);
        assert_eq!(p("blpop"), &[Keys, Arg]);
        assert_eq!(p("mset"), &[KeyValuePairs]);
        assert_eq!(p("mset_nx"), &[KeyValuePairs]);
        assert_eq!(p("mset_ex"), &[KeyValuePairs, Arg]);
        assert_eq!(p("bit_and"), &[Key, Keys]);
        assert_eq!(p("bit_not"), &[Key, Key]);
        assert_eq!(p("pfmerge"), &[Key, Keys]);
        assert_eq!(p("invoke_script"), &[Script]);
        assert_eq!(p("load_script"), &[Arg]);
        assert_eq!(p("geo_radius"), &[Key, Arg, Arg, Arg, Arg, KeyOptions]);
        assert_eq!(p("geo_radius_by_member"), &[Key, Arg, Arg, Arg, KeyOptions]);
        assert_eq!(p("json_mset"), &[KeyPathValueTriples]);
        assert_eq!(p("json_mget"), &[Keys, Arg]);
        assert_eq!(p("json_get"), &[Key, Arg]);
        assert_eq!(p("spublish"), &[ShardChannel, Arg]);
        assert_eq!(p("publish"), &[Arg, Arg]);
        assert_eq!(p("keys"), &[Arg]);
        assert_eq!(p("scan_match"), &[Arg]);
        assert_eq!(p("hscan_match"), &[Key, Arg]);
        assert_eq!(p("hmget"), &[Key, Arg]);
        assert_eq!(p("hset_multiple"), &[Key, Arg]);
        assert_eq!(p("flushdb"), &[] as &[Param]);
        assert_eq!(m("scan").group, Group::Iterator);
        assert_eq!(m("mget_ints").group, Group::TypedOnly);
        assert_eq!(m("json_set").group, Group::Json);
        assert_eq!(m("json_set").feature, Some("json"));
        assert_eq!(m("xadd").feature, Some("streams"));
    }

    /// Before 1.0, `get` / `json_get` switch to MGET / JSON.MGET when the key expands.
    #[test]
    fn pre_1x_multi_key_get() {
        assert_eq!(m("get").multi_key_command, Some("MGET"));
        assert_eq!(m("json_get").multi_key_command, Some("JSON.MGET"));
        assert_eq!(m("get").params, &[Param::Key]);
        assert!(m("get").key_expands_before_1x && !m("get").key_expands_in_1x);
        assert_eq!(METHODS.iter().filter(|s| s.multi_key_command.is_some()).count(), 2);
        assert_eq!(m("hget").alt_command, Some("HMGET"));
        assert_eq!(m("hget").multi_key_command, None);
    }

    #[test]
    fn older_signatures() {
        assert_eq!(m("lpop").params_in((0, 20, 2)), &[Param::Key]);
        assert_eq!(m("lpop").params_in((0, 21, 0)), &[Param::Key, Param::Arg]);
        assert_eq!(m("mget").since.1, 22);
    }

    /// redis-rs-api.md §2.4: 46 single-key methods (all `v*`, most `x*`) still bound their key
    /// `ToRedisArgs` at 1.6; they must be single-key, never `Keys`.
    #[test]
    fn stream_and_vector_set_keys_are_single() {
        let n = METHODS.iter().filter(|s| s.key_expands_in_1x && s.in_version((1, 6, 0))).count();
        assert_eq!(n, 46);
        let x = m("xadd");
        assert_eq!(x.params[0], Param::Key);
        assert!(x.key_expands_in_1x && x.key_expands_before_1x);
        assert!(m("vadd").key_expands_in_1x && !m("vadd").params.contains(&Param::Keys));
        for s in METHODS {
            if (s.name.starts_with('x') && !s.name.starts_with("xread")) || s.name.starts_with('v') {
                assert!(!s.params.contains(&Param::Keys), "{}", s.name);
            }
            if s.key_expands_in_1x {
                assert!(s.params.contains(&Param::Key) && s.until.is_none(), "{}", s.name);
            }
        }
    }

    /// Before 1.0 every key parameter was `ToRedisArgs`.
    #[test]
    fn every_pre_1x_key_expands() {
        for s in METHODS {
            if s.since < (1, 0, 0) && s.params_in(s.since).contains(&Param::Key) {
                assert!(s.key_expands_before_1x, "{}", s.name);
            }
            if s.since >= (1, 0, 0) {
                assert!(!s.key_expands_before_1x, "{}", s.name);
            }
        }
    }
}
'''


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--fetch", action="store_true",
                    help="first download the listed redis versions with cargo (into ~/.cargo/registry)")
    ap.add_argument("--scratch", default="/tmp/redis-src", help="throwaway dir used by --fetch")
    ap.add_argument("--src", action="append",
                    help="directory holding redis-X.Y.Z source trees (default: cargo's registry src)")
    ap.add_argument("--commands", action="append", help="key-spec TSV (default: the reference tables)")
    ap.add_argument("--out", default=os.path.join(here, "..", "crates", "analyzer", "src", "redis_api", "methods.rs"))
    ap.add_argument("--dump", metavar="NAME", help="print how NAME was read in every version, write nothing")
    args = ap.parse_args()
    versions = wanted_versions()
    if args.fetch:
        fetch(versions, args.scratch)
    sources = find_sources(args.src or registry_dirs(), versions)
    tables = args.commands or default_tables(os.path.join(here, ".."))
    spec_table, containers = load_specs(tables)
    if args.dump:
        newest = None
        for p in reversed(list(sources.values())):
            newest = read_version(p).get(args.dump)
            if newest:
                break
        for v, p in sources.items():
            m = read_version(p).get(args.dump)
            if m is None:
                continue
            b = interpret(m)
            roles, sub, src = assign_roles(m, b, spec_table, containers, newest)
            print("%-8s %s %s%s %s | roles %s (key specs: %s)" % (
                vstr(v), b.command, sub or "", " alt=" + b.alt if b.alt else "", b.items,
                [roles.get(a, "Arg") for a, _ in m.args], src))
        return
    warnings = []
    records, versions_read = build(sources, spec_table, containers, warnings.append)
    for w in warnings:
        print("warning: " + w, file=sys.stderr)
    yanked = [parse_version(v)[0] for v, y in versions if y]
    rust = emit_rust(records, versions_read, yanked, RUST_TESTS)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as f:
        f.write(rust)
    try:
        subprocess.run(["rustfmt", "--edition", "2021", args.out], check=True)
    except (OSError, subprocess.CalledProcessError) as e:
        print("note: rustfmt not run (%s)" % e, file=sys.stderr)
    print("key specs: %s" % ", ".join(os.path.relpath(t) for t in tables))
    print("wrote %s: %d methods from %d releases (%s..%s)" % (
        os.path.normpath(args.out), len(records), len(versions_read), vstr(versions_read[0]),
        vstr(versions_read[-1])))


if __name__ == "__main__":
    main()
