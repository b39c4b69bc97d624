#!/usr/bin/env python3
"""The core's call graph, from the built objects: which source file uses a
symbol that another defines.  Fails if a cycle runs through more than two
files, or if a file uses a layer that its own may not use (the layers are
the folders of src/, USES says which may use which; docs/DESIGN.md §0).

usage: cycles.py OBJDIR [--src SRCDIR] [--dot]
  OBJDIR: build/CMakeFiles/shmap_objs.dir; with --src (the source tree's
  src/), also fails on an #include of a layer the including file's layer may
  not use, or of internal.h (the umbrella is for tests and lifecycle.c).
"""
import os
import subprocess
import sys

# References that are no call: sys.c names lifecycle.c's anchor so that a
# static link always pulls lifecycle.o (and its constructor) in.
ANCHORS = {"shmap__lifecycle_linked"}

# Which layer may use which (its own, and those below it).  mem and sync
# sit side by side on obj: neither uses the other.
USES = {
    "base": {"base"},
    "ns": {"ns", "base"},
    "obj": {"obj", "ns", "base"},
    "mem": {"mem", "obj", "ns", "base"},
    "sync": {"sync", "obj", "ns", "base"},
    "proc": {"proc", "mem", "sync", "obj", "ns", "base"},
    "lifecycle": {"lifecycle", "proc", "mem", "sync", "obj", "ns", "base"},
}


def objects(root):
    for dirpath, _, files in os.walk(root):
        for f in files:
            if f.endswith(".o"):
                yield os.path.join(dirpath, f)


def symbols(path):
    out = subprocess.run(["nm", "-P", path], check=True, capture_output=True, text=True).stdout
    defined, used = set(), set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) < 2:
            continue
        name, kind = parts[0], parts[1]
        if kind == "U":
            used.add(name)
        elif kind in "TDBRVWGSC" or kind in "tdbr" and False:
            defined.add(name)
    return defined, used


def unit(path, root):
    rel = os.path.relpath(path, root)
    rel = rel[:-2] if rel.endswith(".o") else rel  # x.c.o -> x.c
    i = rel.find("src/")
    return rel[i + 4:] if i >= 0 else rel


def layer(u):
    """The layer of a source file: its folder; lifecycle.c is its own."""
    top = u.split("/")[0]
    if top.endswith(".c"):
        top = top[:-2]
    return top if top in USES else None


def sccs(nodes, edges):
    index, low, on, stack, out = {}, {}, set(), [], []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return out


def include_errors(src):
    """The headers keep the layering by their includes (an inline function
    of a header is no symbol): a file of src/X may include "Y/..." only if
    X may use Y."""
    bad = []
    for layer_name in USES:
        d = os.path.join(src, layer_name)
        if not os.path.isdir(d):
            continue
        for f in sorted(os.listdir(d)):
            if not f.endswith((".c", ".h")):
                continue
            for n, line in enumerate(open(os.path.join(d, f)), 1):
                line = line.strip()
                if not line.startswith('#include "'):
                    continue
                inc = line.split('"')[1]
                target = inc.split("/")[0] if "/" in inc else layer_name
                if inc == "internal.h" or (target in USES and target not in USES[layer_name]):
                    bad.append(f"FAIL {layer_name}/{f}:{n} includes {inc}")
    return bad


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    root = sys.argv[1]
    defs, uses = {}, {}
    for p in objects(root):
        u = unit(p, root)
        defs[u], uses[u] = symbols(p)
    owner = {}
    for u, ds in defs.items():
        for s in ds:
            owner[s] = u
    edges, why = {}, {}
    for u, us in uses.items():
        for s in us:
            if s in ANCHORS:
                continue
            v = owner.get(s)
            if v and v != u:
                edges.setdefault(u, set()).add(v)
                why.setdefault((u, v), []).append(s)
    if "--dot" in sys.argv:
        print("digraph shmap {")
        for u in sorted(edges):
            for v in sorted(edges[u]):
                print(f'  "{u}" -> "{v}";')
        print("}")
        return 0
    bad = 0
    comps = [c for c in sccs(defs.keys(), edges) if len(c) > 1]
    for c in comps:
        tag = "FAIL" if len(c) > 2 else "ok  "
        print(f"{tag} cycle of {len(c)} files: {' '.join(c)}")
        if len(c) > 2:
            bad += 1
            for u in c:
                for v in sorted(edges.get(u, ())):
                    if v in c:
                        print(f"       {u} -> {v}: {', '.join(sorted(why[(u, v)])[:6])}")
    layered = any("/" in u for u in defs)
    if layered:
        for u in sorted(edges):
            for v in sorted(edges[u]):
                lu, lv = layer(u), layer(v)
                if lu is None or lv is None:
                    print(f"FAIL {u} or {v} is in no layer")
                    bad += 1
                elif lv not in USES[lu]:
                    print(f"FAIL {lu} may not use {lv}: {u} -> {v}: "
                          f"{', '.join(sorted(why[(u, v)])[:6])}")
                    bad += 1
    if layered and "--src" in sys.argv:
        for line in include_errors(sys.argv[sys.argv.index("--src") + 1]):
            print(line)
            bad += 1
    largest = max((len(c) for c in comps), default=1)
    print(f"{len(defs)} files, {sum(len(e) for e in edges.values())} edges, "
          f"largest cycle {largest} files: {'FAIL' if bad else 'ok'}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
