#!/usr/bin/env python3
"""The code's shape, measured from its source: per crate, the import loops between files
and the largest functions. Not a test: run it before and after structural work.

    bench/structure.py [--top N] [REPO_DIR]

A file imports another when one of its paths (a `use` or a path written inline, such as
`crate::bench::own_cost`) resolves to an item of the other's module. A module's own files
may use their ancestors (a child using its parent is not a loop). Test code (`#[cfg(test)]`
items and modules) is left out. Loops are the strongly connected components of that graph
with more than one file; "imports inside loops" counts the edges that join files of the
same component.
"""

import argparse
import pathlib
import re
import sys


def code_only(text):
    """The text with comments, strings and char literals blanked (newlines kept)."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if text.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c == "r" and re.match(r'r#*"', text[i:i + 10]) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            hashes = re.match(r'r(#*)"', text[i:]).group(1)
            end = text.find('"' + hashes, i + len(hashes) + 2)
            j = n if end < 0 else end + 1 + len(hashes)
            out.append('""' + re.sub(r"[^\n]", " ", text[i + 2:j]))
            i = j
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append('"' + re.sub(r"[^\n]", " ", text[i + 1:j]) + '"')
            i = j + 1
        elif c == "'":
            m = re.match(r"'(\\.[^']*|[^\\'])'", text[i:])
            if m:
                out.append(" " * len(m.group(0)))
                i += len(m.group(0))
            else:
                out.append(c)
                i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def block_end(code, open_brace):
    depth = 0
    for j in range(open_brace, len(code)):
        if code[j] == "{":
            depth += 1
        elif code[j] == "}":
            depth -= 1
            if depth == 0:
                return j + 1
    return len(code)


def without_tests(code):
    """Blanks `#[cfg(test)]` items (a module, a function, a `mod x;`)."""
    for m in reversed(list(re.finditer(r"#\[cfg\(test\)\]", code))):
        brace, semi = code.find("{", m.end()), code.find(";", m.end())
        if semi >= 0 and (brace < 0 or semi < brace):
            end = semi + 1
        else:
            end = block_end(code, brace)
        code = code[:m.start()] + re.sub(r"[^\n]", " ", code[m.start():end]) + code[end:]
    return code


def expand_use(tree):
    """`a::{b, c::{d, e}}` → [[a, b], [a, c, d], [a, c, e]]."""
    tree = re.sub(r"\s+", "", re.sub(r"\s+as\s+\w+", "", tree))

    def split_top(s):
        parts, depth, cur = [], 0, ""
        for ch in s:
            if ch == "," and depth == 0:
                parts.append(cur)
                cur = ""
                continue
            depth += ch == "{"
            depth -= ch == "}"
            cur += ch
        parts.append(cur)
        return [p for p in parts if p]

    def walk(prefix, s):
        if "{" in s:
            head, rest = s.split("{", 1)
            inner = rest[: rest.rfind("}")]
            head_parts = [p for p in head.split("::") if p]
            paths = []
            for part in split_top(inner):
                paths += walk(prefix + head_parts, part)
            return paths or [prefix + head_parts]
        return [prefix + [p for p in s.split("::") if p]]

    return walk([], tree)


class Crate:
    def __init__(self, root):
        self.root = root
        self.src = root / "src"
        self.modules = {}  # module path tuple → file
        self.test_files = set()
        for f in sorted(self.src.rglob("*.rs")):
            self.modules.setdefault(self.module_of(f), f)

    def module_of(self, f):
        rel = f.relative_to(self.src).with_suffix("").parts
        if rel[-1] in ("lib", "main", "mod"):
            rel = rel[:-1]
        return tuple(rel)

    def resolve(self, here, segments):
        if not segments:
            return None
        first = segments[0]
        if first == "crate":
            path = list(segments[1:])
        elif first in ("super", "self"):
            path, rest = list(here), list(segments)
            while rest and rest[0] in ("super", "self"):
                if rest.pop(0) == "super" and path:
                    path.pop()
            path += rest
        elif tuple(here) + (first,) in self.modules:
            path = list(here) + list(segments)
        else:
            return None
        for k in range(len(path), -1, -1):
            if tuple(path[:k]) in self.modules:
                return self.modules[tuple(path[:k])]
        return None


def analyse(crate):
    edges = {}
    functions = []
    skipped = set()
    for module, f in crate.modules.items():
        code = code_only(f.read_text())
        for m in re.finditer(r"#\[cfg\(test\)\]\s*(?:pub\s+)?mod\s+(\w+)\s*;", code):
            skipped.add(tuple(module) + (m.group(1),))
    for module, f in crate.modules.items():
        if module in skipped:
            continue
        code = without_tests(code_only(f.read_text()))
        targets = set()
        for m in re.finditer(r"\buse\s+([^;]+);", code):
            for path in expand_use(m.group(1)):
                targets.add(crate.resolve(module, path))
        for m in re.finditer(r"(?<![\w:])((?:crate|super|self)(?:::\w+)+)", code):
            targets.add(crate.resolve(module, m.group(1).split("::")))
        # Paths written from a child module's name (`map::MapPlugin` in the parent).
        for m in re.finditer(r"(?<![\w:])([a-z_]\w*)((?:::\w+)+)", code):
            if tuple(module) + (m.group(1),) in crate.modules:
                targets.add(crate.resolve(module, [m.group(1)] + m.group(2).split("::")[1:]))
        for t in targets:
            if t is None or t == f:
                continue
            target_module = crate.module_of(t)
            # A module's files may use their ancestors.
            if tuple(module[: len(target_module)]) == tuple(target_module):
                continue
            edges.setdefault(f, set()).add(t)
        for m in re.finditer(r"\bfn\s+(\w+)", code):
            brace, semi = code.find("{", m.end()), code.find(";", m.end())
            if brace < 0 or (0 <= semi < brace):
                continue
            end = block_end(code, brace)
            lines = code.count("\n", m.start(), end) + 1
            functions.append((lines, f, code.count("\n", 0, m.start()) + 1, m.group(1)))
    return edges, functions


def strongly_connected(nodes, edges):
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]
    sys.setrecursionlimit(10000)

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
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
            out.append(comp)

    for v in nodes:
        if v not in index:
            visit(v)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repo", nargs="?", default=pathlib.Path(__file__).resolve().parent.parent, type=pathlib.Path)
    parser.add_argument("--top", type=int, default=10, help="largest functions listed")
    args = parser.parse_args()
    repo = args.repo.resolve()
    crates = sorted(p.parent for p in repo.rglob("Cargo.toml") if (p.parent / "src").is_dir() and "target" not in p.parts and "node_modules" not in p.parts)
    all_functions = []
    total_loop_files = total_loop_edges = 0
    for root in crates:
        crate = Crate(root)
        edges, functions = analyse(crate)
        all_functions += functions
        loops = [c for c in strongly_connected(list(crate.modules.values()), edges) if len(c) > 1]
        inside = sum(1 for c in loops for a in c for b in edges.get(a, ()) if b in c)
        files = sum(len(c) for c in loops)
        total_loop_files += files
        total_loop_edges += inside
        print(f"{root.relative_to(repo) or '.'}: {len(crate.modules)} files, {sum(len(v) for v in edges.values())} imports between files, "
              f"{len(loops)} loops, {files} files in loops, {inside} imports inside loops")
        for c in loops:
            print("  loop: " + ", ".join(sorted(str(f.relative_to(root / 'src')) for f in c)))
    print(f"all crates: {total_loop_files} files in loops, {total_loop_edges} imports inside loops")
    print(f"largest functions (lines, test code left out):")
    for lines, f, line, name in sorted(all_functions, key=lambda x: (-x[0], str(x[1])))[: args.top]:
        print(f"  {lines:4}  {name}  {f.relative_to(repo)}:{line}")


if __name__ == "__main__":
    main()
