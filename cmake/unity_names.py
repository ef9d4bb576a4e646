#!/usr/bin/env python3
"""The unity build's rule, checked on every build (cmake/Unity.cmake runs it).

A unity build compiles the .cpp files of one directory in batches, each batch as one
translation unit, so what one file declares for itself alone is seen by the files after it in
its batch. This check keeps that harmless whatever the batches are:

  * a file-local name (in an anonymous namespace, or `static` at namespace scope, or a
    namespace-scope constant or type of a .cpp file) must not be declared by two .cpp files of
    the same directory, nor be the name of a function another .cpp file of the directory
    defines: the compiler would stop at a redefinition or an ambiguous call, or worse,
    silently take a function of the other file as an overload;
  * a macro a .cpp file #defines must be #undef'd in that file;
  * no `using namespace` at namespace scope of a .cpp file (inside a function is fine), except
    the standard literal namespaces;
  * a using-declaration at namespace scope (`using db::Error;`) only when no other .cpp file
    of the directory uses that name unqualified without the same using-declaration.

Usage: unity_names.py [--root DIR] FILE.cpp...   (exit 1 and a list when the rule is broken)
The parser is a small C++ tokenizer, not a compiler: it looks at namespace scope only.
"""
import collections
import os
import re
import sys

TOKEN = re.compile(r"[A-Za-z_]\w*|\d[\w.']*|::|->|\S")
RAW_STRING = re.compile(r'R"([^(\s]{0,16})\(')
KEYWORDS = {
    "alignas", "auto", "bool", "char", "class", "const", "consteval", "constexpr", "constinit",
    "decltype", "double", "enum", "explicit", "extern", "float", "inline", "int", "long",
    "mutable", "noexcept", "operator", "override", "return", "short", "signed", "static",
    "struct", "template", "thread_local", "typename", "union", "unsigned", "void", "volatile",
}
# Customisation points found by argument-dependent lookup: overloaded on purpose, one per type.
ADL_HOOKS = {"PrintTo", "tag_invoke", "tag_invoke_", "swap", "hash_value", "AbslHashValue"}
ALLOWED_USING = {"std::literals", "std::chrono_literals", "std::string_literals",
                 "std::string_view_literals", "std::literals::chrono_literals",
                 "std::literals::string_literals", "std::literals::string_view_literals"}


def tokenize(text):
    """(token, line) pairs without comments and literals; preprocessor lines as ('#', text)."""
    out, i, n, line = [], 0, len(text), 1
    at_line_start = True
    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
            i += 1
            at_line_start = True
            continue
        if c in " \t\r\f\v":
            i += 1
            continue
        if c == "#" and at_line_start:
            j = i
            while True:
                e = text.find("\n", j)
                if e < 0:
                    e = n
                    break
                if text[e - 1] == "\\":
                    j = e + 1
                    continue
                break
            out.append(("#", text[i:e], line))
            line += text.count("\n", i, e)
            i = e
            continue
        at_line_start = False
        if text.startswith("//", i):
            e = text.find("\n", i)
            i = n if e < 0 else e
            continue
        if text.startswith("/*", i):
            e = text.find("*/", i + 2)
            e = n if e < 0 else e + 2
            line += text.count("\n", i, e)
            i = e
            continue
        m = RAW_STRING.match(text, i)
        if m and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            end = text.find(")" + m.group(1) + '"', m.end())
            end = n if end < 0 else end + len(m.group(1)) + 2
            line += text.count("\n", i, end)
            out.append(('""', '""', line))
            i = end
            continue
        if c == '"' or (c == "'" and not (i > 0 and (text[i - 1].isalnum()))):
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            out.append(('""', '""', line))
            i = j + 1
            continue
        m = TOKEN.match(text, i)
        out.append((m.group(0), m.group(0), line))
        i = m.end()
    return out


def strip_attributes(stmt):
    """Drops [[...]] attributes and alignas(...) from a statement's tokens."""
    out, i = [], 0
    while i < len(stmt):
        t = stmt[i][0]
        if t == "[" and i + 1 < len(stmt) and stmt[i + 1][0] == "[":
            depth, i = 0, i
            while i < len(stmt):
                if stmt[i][0] == "[":
                    depth += 1
                elif stmt[i][0] == "]":
                    depth -= 1
                    if depth == 0:
                        break
                i += 1
            i += 1
            continue
        out.append(stmt[i])
        i += 1
    return out


def declared_name(stmt, anonymous):
    """(kind, name, line) declared by a namespace-scope statement, or None."""
    s = strip_attributes(stmt)
    if not s:
        return None
    words = [t[0] for t in s]
    if words[0] == "template":  # skip the template parameter list
        depth = 0
        for k, w in enumerate(words):
            if w == "<":
                depth += 1
            elif w == ">":
                depth -= 1
                if depth == 0:
                    s, words = s[k + 1:], words[k + 1:]
                    break
        if not s:
            return None
    if words[0] in ("using", "namespace", "friend", "static_assert", "extern", "typedef"):
        return None
    is_static = "static" in words[:3]
    is_const = any(w in ("constexpr", "const", "constinit") for w in words[:3])
    if words[0] in ("struct", "class", "union", "enum"):
        rest = s[1:]
        if rest and rest[0][0] in ("class", "struct"):
            rest = rest[1:]
        # A definition only: `struct X {` or `struct X : Base {` (forward declarations are fine).
        if len(rest) >= 1 and re.fullmatch(r"[A-Za-z_]\w*", rest[0][0]) and (
                len(rest) == 1 or rest[1][0] in (":", "final")):
            return ("type", rest[0][0], rest[0][2])
        return None
    depth = 0
    for k, (w, _, ln) in enumerate(s):
        if w == "<":
            depth += 1
        elif w == ">":
            depth -= 1
        elif w in ("(", "=", "[", "{") and depth <= 0:
            if k == 0:
                return None
            name = s[k - 1][0]
            if not re.fullmatch(r"[A-Za-z_]\w*", name) or name in KEYWORDS:
                return None
            if k >= 2 and s[k - 2][0] in ("::", "operator", "~", "."):
                return None  # a member defined out of class, or an operator
            if k == 1:
                return None  # no type before it: a macro call such as TEST(...)
            kind = "function" if w == "(" else "variable"
            if kind == "function" and not (anonymous or is_static):
                # External linkage: two of them are the linker's business, but one file's
                # local helper of the same name would become its overload.
                return ("external function", name, s[k - 1][2])
            if kind == "variable" and not (anonymous or is_static or is_const):
                return None
            return (kind, name, s[k - 1][2])
    # `int x;` / `constexpr auto x = ...` without an initializer we could see
    name = s[-1][0]
    if len(s) >= 2 and re.fullmatch(r"[A-Za-z_]\w*", name) and name not in KEYWORDS and (
            anonymous or is_static or is_const) and s[-2][0] != "::":
        return ("variable", name, s[-1][2])
    return None


def scan(path):
    """Returns (names, problems): names is a list of (kind, name, line)."""
    with open(path, encoding="utf-8", errors="replace") as f:
        tokens = tokenize(f.read())
    names, problems, brought = [], [], []
    defined = {}
    # Identifiers used unqualified (not after ::, . or ->): what a using-declaration of an
    # earlier file in the batch could take over.
    unqualified = {t for k, (t, _, _) in enumerate(tokens)
                   if re.fullmatch(r"[A-Za-z_]\w*", t) and
                   (k == 0 or tokens[k - 1][0] not in ("::", ".", "->"))}
    stack = []  # 'anon', 'ns' or 'block' for each open brace
    ns_path = []  # the named namespaces open, e.g. ['crema', 'test']
    ns_pushed = []  # how many names each open brace added to ns_path
    namespaces = set()
    stmt = []

    def at_namespace_scope():
        return all(k in ("anon", "ns") for k in stack)

    for tok in tokens:
        t, raw, line = tok
        if t == "#":
            m = re.match(r"#\s*define\s+(\w+)", raw)
            if m:
                defined[m.group(1)] = line
            m = re.match(r"#\s*undef\s+(\w+)", raw)
            if m:
                defined.pop(m.group(1), None)
            continue
        if not at_namespace_scope():
            if t == "{":
                stack.append("block")
                ns_pushed.append(0)
            elif t == "}":
                stack.pop()
                ns_pushed.pop()
            continue
        anonymous = "anon" in stack
        if t == "{":
            words = [w[0] for w in stmt]
            if words == ["namespace"]:
                kind = "anon"
            elif words and words[0] in ("namespace", "inline") and "namespace" in words:
                kind = "ns"
            elif words[:1] == ["extern"] and len(words) == 2:  # extern "C" {
                kind = "ns"
            else:
                found = declared_name(stmt, anonymous)
                if found:
                    names.append(found)
                kind = "block"
            added = [w for w in words[1:] if w != "::"] if kind == "ns" and words[0] == "namespace" else []
            ns_path += added
            ns_pushed.append(len(added))
            namespaces.add("::".join(ns_path))
            stack.append(kind)
            stmt = []
            continue
        if t == "}":
            if stack:
                stack.pop()
                n = ns_pushed.pop()
                if n:
                    del ns_path[-n:]
            stmt = []
            continue
        if t == ";":
            words = [w[0] for w in stmt]
            if (len(words) >= 4 and words[0] == "using" and words[1] != "namespace" and
                    "=" not in words and words[-2] == "::"):
                brought.append((words[-1], "".join(words[1:]), line, "::".join(ns_path)))
            if words[:2] == ["using", "namespace"]:
                target = "".join(words[2:])
                if target not in ALLOWED_USING:
                    problems.append(f"{path}:{line}: `using namespace {target};` at namespace "
                                    "scope reaches into the next files of its unity batch: put "
                                    "it inside the functions that need it")
            else:
                found = declared_name(stmt, anonymous)
                if found:
                    names.append(found)
            stmt = []
            continue
        stmt.append(tok)
    for macro, line in defined.items():
        problems.append(f"{path}:{line}: macro `{macro}` is not #undef'd at the end of the file: "
                        "it would reach into the next files of its unity batch")
    return names, problems, brought, unqualified, namespaces


def main(argv):
    root = None
    files = []
    it = iter(argv)
    for a in it:
        if a == "--root":
            root = next(it)
        else:
            files.append(a)
    rel = (lambda p: os.path.relpath(p, root)) if root else (lambda p: p)
    by_dir = collections.defaultdict(lambda: collections.defaultdict(list))
    problems = []
    scans = {}
    for path in files:
        if not path.endswith(".cpp"):
            continue
        names, found, brought, unqualified, namespaces = scan(path)
        problems += [p.replace(path, rel(path)) for p in found]
        scans[path] = (brought, unqualified, namespaces)
        seen = set()
        for kind, name, line in names:
            if name in seen or name in ADL_HOOKS:
                continue  # overloads or a declaration and its definition in one file
            seen.add(name)
            by_dir[os.path.dirname(path)][name].append((rel(path), line, kind))
            if kind == "external function":
                seen.discard(name)  # overloads in one file: still one entry per file
                if any(p == rel(path) for p, _, _ in by_dir[os.path.dirname(path)][name][:-1]):
                    by_dir[os.path.dirname(path)][name].pop()
                seen.add(name)
    for directory in sorted(by_dir):
        for name, where in sorted(by_dir[directory].items()):
            if all(kind == "external function" for _, _, kind in where):
                continue
            if len(where) > 1:
                places = ", ".join(f"{p}:{ln} ({kind})" for p, ln, kind in where)
                problems.append(f"`{name}` is declared by more than one file of "
                                f"{rel(directory)}/, file-locally in at least one: {places}")
    # A using-declaration at namespace scope (`using db::Error;`) changes what the name means
    # in the files after it in the batch: another file of the directory that uses the name
    # unqualified, without bringing the same thing in itself, could silently get it.
    for path, (brought, _, _) in scans.items():
        for name, what, line, where in brought:
            for other, (other_brought, other_used, other_ns) in scans.items():
                if other == path or os.path.dirname(other) != os.path.dirname(path):
                    continue
                if where not in other_ns:
                    continue  # the other file's code is in other namespaces
                if name in other_used and (name, what) not in {(n, w) for n, w, _, _ in other_brought}:
                    problems.append(f"{rel(path)}:{line}: `using {what};` at namespace scope "
                                    f"would change what `{name}` means in {rel(other)}, which "
                                    "uses it without that using-declaration: move it into the "
                                    "functions that need it, or qualify the name")
                    break
    if problems:
        print("unity build: file-local names must be unique among the .cpp files of a directory "
              "(docs/ARCHITECTURE.md, \"Build\"):", file=sys.stderr)
        for p in problems:
            print("  " + p, file=sys.stderr)
        print("Rename one of them (say what the file is about: kCartTag, not kTag), or move a "
              "helper several files share into a header.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
