"""The JSONPath subset CRD additionalPrinterColumns use (client-go's
util/jsonpath): .field, ['field'], [n], [*], [?(@.a.b=="x")] and .. is not
supported. find() returns every match, in order; missing keys give none."""
import re

_STEP = re.compile(r"""\.([A-Za-z0-9_\-$]+)|\[\s*'([^']*)'\s*\]|\[\s*"([^"]*)"\s*\]"""
                   r"""|\[\s*(-?\d+)\s*\]|\[\s*\*\s*\]|\.\*|\[\s*\?\((.*?)\)\s*\]""")
_FILTER = re.compile(r"""^@((?:\.[A-Za-z0-9_\-]+)+)\s*(==|!=)\s*(?:"([^"]*)"|'([^']*)'|(\S+))$""")


class JSONPathError(ValueError):
    pass


def parse(expr):
    """A list of steps; raises JSONPathError on syntax it does not support."""
    expr = expr.strip()
    if expr.startswith("{") and expr.endswith("}"):
        expr = expr[1:-1].strip()
    if expr.startswith("$"):
        expr = expr[1:]
    if not expr.startswith(".") and not expr.startswith("["):
        raise JSONPathError(f"unrecognized JSONPath {expr!r}")
    steps, pos = [], 0
    while pos < len(expr):
        m = _STEP.match(expr, pos)
        if not m:
            raise JSONPathError(f"unrecognized JSONPath {expr!r} at {pos}")
        if m.group(1) is not None:
            steps.append(("key", m.group(1)))
        elif m.group(2) is not None or m.group(3) is not None:
            steps.append(("key", m.group(2) if m.group(2) is not None else m.group(3)))
        elif m.group(4) is not None:
            steps.append(("index", int(m.group(4))))
        elif m.group(5) is not None:
            f = _FILTER.match(m.group(5).strip())
            if not f:
                raise JSONPathError(f"unsupported filter {m.group(5)!r}")
            lit = next(x for x in (f[3], f[4], f[5]) if x is not None)
            steps.append(("filter", (f[1][1:].split("."), f[2], lit)))
        else:
            steps.append(("all", None))
        pos = m.end()
    return steps


def find(steps, doc):
    cur = [doc]
    for kind, arg in steps:
        nxt = []
        for v in cur:
            if kind == "key" and isinstance(v, dict) and arg in v:
                nxt.append(v[arg])
            elif kind == "index" and isinstance(v, list) and -len(v) <= arg < len(v):
                nxt.append(v[arg])
            elif kind == "all":
                if isinstance(v, list):
                    nxt.extend(v)
                elif isinstance(v, dict):
                    nxt.extend(v.values())
            elif kind == "filter" and isinstance(v, list):
                path, op, lit = arg
                for item in v:
                    got = item
                    for p in path:
                        got = got.get(p) if isinstance(got, dict) else None
                    if got is None:
                        continue
                    same = _text(got) == lit
                    if same == (op == "=="):
                        nxt.append(item)
        cur = nxt
    return cur


def _text(v):
    """Go's fmt.Fprint of a decoded JSON value, as PrintResults writes it."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        if v.is_integer() and abs(v) < 1e21:
            return str(int(v))
        return repr(v)
    if isinstance(v, list):
        return "[" + " ".join(_text(x) for x in v) + "]"
    if isinstance(v, dict):
        return "map[" + " ".join(f"{k}:{_text(v[k])}" for k in sorted(v)) + "]"
    if v is None:
        return "<nil>"
    return str(v)


text = _text
