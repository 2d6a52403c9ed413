"""CEL validation rules of CRD schemas (x-kubernetes-validations), as the
real apiextensions-apiserver runs them: compiled when the CRD is written
(a rule that does not compile fails the CRD), evaluated on every write of
a custom resource after the OpenAPI checks, at the schema node that
declares it, with `self` the node's value and, for transition rules,
`oldSelf` the old value.

The language is CEL (github.com/google/cel-go, the spec's grammar and
error semantics: && and || absorb an error when the other side decides,
int64 overflow is an error, a missing field is "no such key"), with the
Kubernetes type mapping of schema values (integer -> int, number ->
double, string formats byte/duration/date/date-time -> bytes, duration,
timestamp, objects with properties -> messages whose undeclared fields
fail compilation) and the parts of the Kubernetes CEL library a CRD is
likely to use.

Not done (see README): the static type checker beyond undeclared
identifiers, fields and functions; cost estimation and runtime cost
limits; messageExpression and fieldPath; ratcheting. A function the real
server knows but this module does not implement (quantity, ip, cidr, url,
sets, optional...) makes its rule compile and be skipped, not enforced.
"""
import math
import re

INT_MIN, INT_MAX = -(1 << 63), (1 << 63) - 1
UINT_MAX = (1 << 64) - 1


class CelError(Exception):
    """A runtime error: the rule fails with "<msg> evaluating rule: ..."."""


class CompileError(Exception):
    def __init__(self, msg, pos=0):
        super().__init__(msg)
        self.msg, self.pos = msg, pos


class Unsupported(Exception):
    """A function the real server has and this module does not implement."""


class UInt(int):
    """CEL uint (a distinct type from int)."""


class Duration:
    __slots__ = ("ns",)

    def __init__(self, ns):
        if not -315576000000 * 10**9 <= ns <= 315576000000 * 10**9:
            raise CelError("duration out of range")
        self.ns = ns

    def __eq__(self, o):
        return isinstance(o, Duration) and o.ns == self.ns

    def __hash__(self):
        return hash(("d", self.ns))


class Timestamp:
    __slots__ = ("ns",)   # since the Unix epoch, UTC

    def __init__(self, ns):
        self.ns = ns

    def __eq__(self, o):
        return isinstance(o, Timestamp) and o.ns == self.ns

    def __hash__(self):
        return hash(("t", self.ns))


# --- lexer -----------------------------------------------------------------

_RESERVED = {"as", "break", "const", "continue", "else", "for", "function", "if", "import",
             "let", "loop", "package", "namespace", "return", "var", "void", "while"}
_TOKEN = re.compile(r"""
    (?P<ws>\s+|//[^\n]*)
  | (?P<num>0[xX][0-9a-fA-F]+[uU]?|[0-9]+\.[0-9]*(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?
           |[0-9]+[eE][+-]?[0-9]+|[0-9]+[uU]?)
  | (?P<str>[rRbB]{0,2}(?:'''|\"\"\"|'|\"))
  | (?P<id>[_a-zA-Z][_a-zA-Z0-9]*)
  | (?P<op>\|\||&&|==|!=|<=|>=|[<>!+\-*/%?:.,\[\](){}])
""", re.X)


def _lex(src):
    toks, i = [], 0
    while i < len(src):
        m = _TOKEN.match(src, i)
        if not m:
            raise CompileError(f"Syntax error: token recognition error at: '{src[i]}'", i)
        kind = m.lastgroup
        if kind == "ws":
            i = m.end()
            continue
        if kind == "str":
            val, i = _read_string(src, i, m.group("str"))
            toks.append(("lit", val, m.start()))
            continue
        text = m.group(kind)
        if kind == "num":
            toks.append(("lit", _number(text, m.start()), m.start()))
        elif kind == "id":
            if text in ("true", "false"):
                toks.append(("lit", text == "true", m.start()))
            elif text == "null":
                toks.append(("lit", None, m.start()))
            elif text == "in":
                toks.append(("op", "in", m.start()))
            elif text in _RESERVED:
                raise CompileError(f"Syntax error: reserved identifier: {text}", m.start())
            else:
                toks.append(("id", text, m.start()))
        else:
            toks.append(("op", text, m.start()))
        i = m.end()
    toks.append(("eof", None, len(src)))
    return toks


def _number(text, pos):
    try:
        if text[-1] in "uU":
            v = int(text[:-1], 0)
            if v > UINT_MAX:
                raise CompileError("Syntax error: invalid uint literal", pos)
            return UInt(v)
        if text.lower().startswith("0x"):
            v = int(text, 16)
        elif any(c in text for c in ".eE"):
            return float(text)
        else:
            v = int(text)
    except ValueError:
        raise CompileError(f"Syntax error: invalid literal {text}", pos) from None
    if v > INT_MAX + 1:
        raise CompileError("Syntax error: invalid int literal", pos)
    return v


_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v",
            "\\": "\\", "'": "'", '"': '"', "`": "`", "?": "?"}


def _read_string(src, i, opener):
    prefix = opener.rstrip("'\"").lower()
    quote = opener[len(prefix):]
    raw, is_bytes = "r" in prefix, "b" in prefix
    j = i + len(opener)
    out = []
    while True:
        if j >= len(src) or (len(quote) == 1 and src[j] == "\n"):
            raise CompileError("Syntax error: unterminated string literal", i)
        if src.startswith(quote, j):
            j += len(quote)
            break
        c = src[j]
        if c == "\\" and not raw:
            j += 1
            e = src[j] if j < len(src) else ""
            if e in _ESCAPES:
                out.append(_ESCAPES[e])
                j += 1
            elif e in "xX" or e in "uU" or e.isdigit():
                n = {"x": 2, "X": 2, "u": 4, "U": 8}.get(e, 3)
                digits = src[j + (0 if e.isdigit() else 1): j + (0 if e.isdigit() else 1) + n]
                try:
                    out.append(chr(int(digits, 8 if e.isdigit() else 16)))
                except ValueError:
                    raise CompileError("Syntax error: invalid escape sequence", j) from None
                j += n + (0 if e.isdigit() else 1)
            else:
                raise CompileError(f"Syntax error: invalid escape sequence \\{e}", j)
            continue
        out.append(c)
        j += 1
    s = "".join(out)
    return (s.encode("utf-8", "surrogatepass") if is_bytes else s), j


# --- parser: AST nodes are tuples -------------------------------------------
# ("lit", v) ("id", name) ("sel", expr, field) ("has", expr, field)
# ("call", name, target|None, [args]) ("idx", expr, index) ("list", [e])
# ("map", [(k, v)]) ("not", e) ("neg", e) ("and", a, b) ("or", a, b)
# ("cond", c, a, b) ("bin", op, a, b) ("comp", macro, target, var, [exprs])

class _Parser:
    def __init__(self, src):
        self.toks = _lex(src)
        self.i = 0

    def peek(self, v=None):
        t = self.toks[self.i]
        return t if v is None or (t[0] == "op" and t[1] == v) else None

    def take(self, v=None):
        t = self.toks[self.i]
        if v is not None and not (t[0] == "op" and t[1] == v):
            found = "<EOF>" if t[0] == "eof" else repr(t[1]) if t[0] == "lit" else f"'{t[1]}'"
            raise CompileError(f"Syntax error: mismatched input {found} expecting '{v}'", t[2])
        self.i += 1
        return t

    def parse(self):
        e = self.expr()
        t = self.toks[self.i]
        if t[0] != "eof":
            raise CompileError(f"Syntax error: extraneous input '{t[1]}' expecting <EOF>", t[2])
        return e

    def expr(self):
        c = self.or_()
        if self.peek("?"):
            self.take("?")
            a = self.or_()
            self.take(":")
            b = self.expr()
            return ("cond", c, a, b)
        return c

    def or_(self):
        e = self.and_()
        while self.peek("||"):
            self.take()
            e = ("or", e, self.and_())
        return e

    def and_(self):
        e = self.rel()
        while self.peek("&&"):
            self.take()
            e = ("and", e, self.rel())
        return e

    def rel(self):
        e = self.add()
        while True:
            t = self.toks[self.i]
            if t[0] == "op" and t[1] in ("<", "<=", ">", ">=", "==", "!=", "in"):
                self.take()
                e = ("bin", t[1], e, self.add())
            else:
                return e

    def add(self):
        e = self.mul()
        while True:
            t = self.toks[self.i]
            if t[0] == "op" and t[1] in ("+", "-"):
                self.take()
                e = ("bin", t[1], e, self.mul())
            else:
                return e

    def mul(self):
        e = self.unary()
        while True:
            t = self.toks[self.i]
            if t[0] == "op" and t[1] in ("*", "/", "%"):
                self.take()
                e = ("bin", t[1], e, self.unary())
            else:
                return e

    def unary(self):
        if self.peek("!"):
            self.take()
            return ("not", self.unary())
        if self.peek("-"):
            pos = self.take()[2]
            t = self.toks[self.i]
            # -9223372036854775808 is a literal, not the negation of one
            if t[0] == "lit" and type(t[1]) is int and t[1] == INT_MAX + 1:
                self.take()
                return self.member_rest(("lit", INT_MIN))
            e = self.unary()
            if e[0] == "lit" and type(e[1]) is int and e[1] > INT_MAX:
                raise CompileError("Syntax error: invalid int literal", pos)
            return ("neg", e)
        return self.member()

    def args(self, close):
        out = []
        if not self.peek(close):
            out.append(self.expr())
            while self.peek(","):
                self.take()
                if self.peek(close):
                    break
                out.append(self.expr())
        self.take(close)
        return out

    def member(self):
        t = self.take()
        if t[0] == "lit":
            if type(t[1]) is int and t[1] > INT_MAX:
                raise CompileError("Syntax error: invalid int literal", t[2])
            e = ("lit", t[1])
        elif t[0] == "id":
            if self.peek("("):
                self.take()
                args = self.args(")")
                e = self.macro_or_call(t[1], None, args, t[2])
            else:
                e = ("id", t[1])
        elif t[0] == "op" and t[1] == ".":
            n = self.take()
            if n[0] != "id":
                raise CompileError("Syntax error: no viable alternative", n[2])
            e = ("id", n[1])
        elif t[0] == "op" and t[1] == "(":
            e = self.expr()
            self.take(")")
        elif t[0] == "op" and t[1] == "[":
            e = ("list", self.args("]"))
        elif t[0] == "op" and t[1] == "{":
            items = []
            if not self.peek("}"):
                while True:
                    k = self.expr()
                    self.take(":")
                    items.append((k, self.expr()))
                    if not self.peek(","):
                        break
                    self.take(",")
                    if self.peek("}"):
                        break
            self.take("}")
            e = ("map", items)
        else:
            found = "<EOF>" if t[0] == "eof" else f"'{t[1]}'"
            raise CompileError(f"Syntax error: mismatched input {found}", t[2])
        return self.member_rest(e)

    def member_rest(self, e):
        while True:
            if self.peek("."):
                self.take()
                n = self.take()
                if n[0] != "id":
                    raise CompileError("Syntax error: no viable alternative at input '.'", n[2])
                if self.peek("("):
                    self.take()
                    e = self.macro_or_call(n[1], e, self.args(")"), n[2])
                else:
                    e = ("sel", e, n[1])
            elif self.peek("["):
                self.take()
                i = self.expr()
                self.take("]")
                e = ("idx", e, i)
            else:
                return e

    def macro_or_call(self, name, target, args, pos):
        if target is None and name == "has":
            if len(args) != 1 or args[0][0] != "sel":
                raise CompileError("invalid argument to has() macro", pos)
            return ("has", args[0][1], args[0][2])
        if target is not None and name in ("all", "exists", "exists_one", "map", "filter"):
            n = len(args)
            if n not in ((3, 2) if name == "map" else (2,)) or args[0][0] != "id":
                raise CompileError(f"invalid argument to {name}() macro", pos)
            return ("comp", name, target, args[0][1], args[1:])
        return ("call", name, target, args)


# --- compile: parse, then what the checker refuses that a test would meet -----

# The real server's library (Kubernetes 1.32's CEL environment): calls to
# other names fail compilation. IMPLEMENTED are evaluated here; the rest
# compile and their rules are skipped (Unsupported).
IMPLEMENTED = {
    "size", "contains", "startsWith", "endsWith", "matches", "int", "uint", "double",
    "string", "bytes", "bool", "duration", "timestamp", "dyn", "getSeconds",
    "getMilliseconds", "getMinutes", "getHours", "lowerAscii", "upperAscii", "trim",
    "split", "join", "substring", "indexOf", "lastIndexOf", "replace", "charAt",
}
KNOWN = IMPLEMENTED | {
    "type", "getDate", "getDayOfMonth", "getDayOfWeek", "getDayOfYear", "getFullYear",
    "getMonth", "format", "quote", "reverse", "isSorted", "sum", "min", "max", "find",
    "findAll", "url", "isURL", "getScheme", "getHost", "getHostname", "getPort",
    "getEscapedPath", "getQuery", "quantity", "isQuantity", "sign", "isGreaterThan",
    "isLessThan", "compareTo", "add", "sub", "asInteger", "asApproximateFloat", "isInteger",
    "ip", "isIP", "family", "isUnspecified", "isLoopback", "isLinkLocalMulticast",
    "isLinkLocalUnicast", "isGlobalUnicast", "isCanonical", "cidr", "isCIDR", "containsIP",
    "containsCIDR", "prefixLength", "masked", "sets.contains", "sets.equivalent",
    "sets.intersects", "optional.of", "optional.none", "optional.ofNonZeroValue",
    "hasValue", "value", "orValue", "or", "math.greatest", "math.least", "strings.quote",
    "base64.encode", "base64.decode", "semver", "isSemver", "major", "minor", "patch",
}


class Rule:
    """One compiled rule: uses_old_self tells a transition rule."""

    def __init__(self, src, ast, uses_old_self, supported):
        self.src, self.ast = src, ast
        self.uses_old_self, self.supported = uses_old_self, supported


def compile_rule(src, schema):
    """Rule, or raises CompileError with the real server's wording."""
    if not isinstance(src, str) or not src.strip():
        raise CompileError("rule is empty")
    ast = _Parser(src).parse()
    state = {"old": False, "supported": True}
    _check(ast, {"self": schema, "oldSelf": schema}, set(), state)
    return Rule(src, ast, state["old"], state["supported"])


def _field_schema(schema, name):
    """The schema of a field selection, None when unknown (dyn), False when
    the field cannot exist (an undeclared property of an object type)."""
    if not isinstance(schema, dict):
        return None
    if schema.get("x-kubernetes-preserve-unknown-fields") or schema.get(
            "x-kubernetes-int-or-string"):
        return None
    if schema.get("type") == "object":
        props = schema.get("properties")
        if props is not None or schema.get("x-kubernetes-embedded-resource"):
            if props and name in props:
                return props[name]
            if schema.get("x-kubernetes-embedded-resource") and \
                    name in ("apiVersion", "kind", "metadata"):
                return None
            return False
        addl = schema.get("additionalProperties")
        if isinstance(addl, dict):
            return addl
    return None


def _check(node, env, local, state):
    kind = node[0]
    if kind == "lit":
        return None
    if kind == "id":
        name = node[1]
        if name in local:
            return None
        if name in env:
            if name == "oldSelf":
                state["old"] = True
            return env[name]
        raise CompileError(f"undeclared reference to '{name}' (in container '')")
    if kind in ("sel", "has"):
        base = _check(node[1], env, local, state)
        sub = _field_schema(base, node[2])
        if sub is False:
            raise CompileError(f"undefined field '{node[2]}'")
        return sub
    if kind == "call":
        name, target, args = node[1], node[2], node[3]
        qual = None
        if target is not None and target[0] == "id" and target[1] not in env and \
                target[1] not in local:
            qual = f"{target[1]}.{name}"
        if qual is not None:
            if qual not in KNOWN:
                raise CompileError(f"undeclared reference to '{qual}' (in container '')")
            state["supported"] = state["supported"] and qual in IMPLEMENTED
        else:
            if name not in KNOWN:
                raise CompileError(f"undeclared reference to '{name}' (in container '')")
            state["supported"] = state["supported"] and name in IMPLEMENTED
            if target is not None:
                _check(target, env, local, state)
        for a in args:
            _check(a, env, local, state)
        return None
    if kind == "idx":
        base = _check(node[1], env, local, state)
        _check(node[2], env, local, state)
        if isinstance(base, dict):
            if base.get("type") == "array" and isinstance(base.get("items"), dict):
                return base["items"]
            if isinstance(base.get("additionalProperties"), dict):
                return base["additionalProperties"]
        return None
    if kind == "comp":
        base = _check(node[2], env, local, state)
        inner = env
        if isinstance(base, dict) and base.get("type") == "array":
            inner = dict(env, **{node[3]: base.get("items")})
        elif isinstance(base, dict) and base.get("type") == "object":
            inner = dict(env, **{node[3]: {"type": "string"}})
        for e in node[4]:
            if node[3] in inner:
                _check(e, inner, local - {node[3]}, state)
            else:
                _check(e, env, local | {node[3]}, state)
        return None
    if kind == "list":
        for e in node[1]:
            _check(e, env, local, state)
        return None
    if kind == "map":
        for k, v in node[1]:
            _check(k, env, local, state)
            _check(v, env, local, state)
        return None
    for sub in node[1:]:
        if isinstance(sub, tuple):
            _check(sub, env, local, state)
        elif isinstance(sub, str):
            continue
    return None


# --- values: schema JSON -> CEL ------------------------------------------------

def to_cel(value, schema):
    """A JSON value as CEL sees it under its schema (Kubernetes' type map)."""
    if value is None or not isinstance(schema, dict):
        return _dyn(value)
    t = schema.get("type")
    if schema.get("x-kubernetes-int-or-string") or schema.get(
            "x-kubernetes-preserve-unknown-fields") and not t:
        return _dyn(value)
    if t == "integer" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value)
    if t == "number" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if t == "string" and isinstance(value, str):
        fmt = schema.get("format")
        if fmt in ("byte", "binary"):
            import base64
            try:
                return base64.b64decode(value)
            except ValueError:
                return value.encode()
        if fmt == "duration":
            return parse_duration(value)
        if fmt in ("date", "date-time", "datetime"):
            return parse_timestamp(value if fmt != "date" else value + "T00:00:00Z")
        return value
    if t == "array" and isinstance(value, list):
        items = schema.get("items")
        return [to_cel(v, items) for v in value]
    if t == "object" and isinstance(value, dict):
        props = schema.get("properties") or {}
        addl = schema.get("additionalProperties")
        out = {}
        for k, v in value.items():
            sub = props.get(k) if k in props else addl if isinstance(addl, dict) else None
            out[k] = to_cel(v, sub)
        return out
    return _dyn(value)


def _dyn(value):
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**63:
        return value
    if isinstance(value, list):
        return [_dyn(v) for v in value]
    if isinstance(value, dict):
        return {k: _dyn(v) for k, v in value.items()}
    return value


# --- Go's time.ParseDuration and RFC 3339, as cel-go parses them ------------------

_UNITS = {"ns": 1, "us": 10**3, "µs": 10**3, "μs": 10**3, "ms": 10**6, "s": 10**9,
          "m": 60 * 10**9, "h": 3600 * 10**9}
_DUR_PART = re.compile(r"([0-9]*)(\.[0-9]*)?([a-zµμ]*)")


def parse_duration(s):
    orig, neg = s, False
    if s and s[0] in "+-":
        neg, s = s[0] == "-", s[1:]
    if s == "0":
        return Duration(0)
    if not s:
        raise CelError(f'time: invalid duration "{orig}"')
    total = 0
    while s:
        m = _DUR_PART.match(s)
        whole, frac, unit = m.group(1), m.group(2) or "", m.group(3)
        if not whole and frac in ("", "."):
            raise CelError(f'time: invalid duration "{orig}"')
        if not unit:
            raise CelError(f'time: missing unit in duration "{orig}"')
        if unit not in _UNITS:
            raise CelError(f'time: unknown unit "{unit}" in duration "{orig}"')
        u = _UNITS[unit]
        v = int(whole or "0") * u
        if len(frac) > 1:
            v += int(float(frac) * u)   # Go: float64(f) * (float64(unit) / scale)
        total += v
        if total > (1 << 63) - (0 if neg else 1):
            raise CelError(f'time: invalid duration "{orig}"')
        s = s[m.end():]
    return Duration(-total if neg else total)


_RFC3339 = re.compile(r"^(\d{4})-(\d\d)-(\d\d)[Tt](\d\d):(\d\d):(\d\d)(\.\d+)?"
                      r"([Zz]|[+-]\d\d:\d\d)$")


def parse_timestamp(s):
    import calendar
    m = _RFC3339.match(s)
    if not m:
        raise CelError(f'parsing time "{s}" as "2006-01-02T15:04:05Z07:00": cannot parse')
    y, mo, d, h, mi, sec = (int(m.group(i)) for i in range(1, 7))
    frac = int((m.group(7) or ".0")[1:].ljust(9, "0")[:9])
    secs = calendar.timegm((y, mo, d, h, mi, sec, 0, 0, 0))
    tz = m.group(8)
    if tz not in ("Z", "z"):
        off = (int(tz[1:3]) * 60 + int(tz[4:6])) * 60
        secs -= off if tz[0] == "+" else -off
    return Timestamp(secs * 10**9 + frac)


# --- evaluation ----------------------------------------------------------------

def _type_name(v):
    if v is None:
        return "null_type"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, UInt):
        return "uint"
    if isinstance(v, int):
        return "int"
    if isinstance(v, float):
        return "double"
    if isinstance(v, str):
        return "string"
    if isinstance(v, bytes):
        return "bytes"
    if isinstance(v, list):
        return "list"
    if isinstance(v, dict):
        return "map"
    if isinstance(v, Duration):
        return "google.protobuf.Duration"
    if isinstance(v, Timestamp):
        return "google.protobuf.Timestamp"
    return "dyn"


def _no_overload(op, *args):
    return CelError(f"no such overload: {op}(" + ", ".join(_type_name(a) for a in args) + ")")


def _int(v):
    if not INT_MIN <= v <= INT_MAX:
        raise CelError("integer overflow")
    return v


def _uint(v):
    if not 0 <= v <= UINT_MAX:
        raise CelError("unsigned integer overflow")
    return UInt(v)


def _is_num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _equal(a, b):
    if _is_num(a) and _is_num(b):
        return a == b and not (isinstance(a, float) and math.isnan(a))
    if type(a) is not type(b) and not (isinstance(a, str) and isinstance(b, str)):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    return a == b


def _compare(op, a, b):
    ok = (_is_num(a) and _is_num(b)) or any(
        isinstance(a, t) and isinstance(b, t) for t in (str, bytes, bool)) or \
        (isinstance(a, Duration) and isinstance(b, Duration)) or \
        (isinstance(a, Timestamp) and isinstance(b, Timestamp))
    if not ok or (isinstance(a, bool) != isinstance(b, bool)):
        raise _no_overload({"<": "_<_", "<=": "_<=_", ">": "_>_", ">=": "_>=_"}[op], a, b)
    if isinstance(a, (Duration, Timestamp)):
        a, b = a.ns, b.ns
    return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]


def _arith(op, a, b):
    if isinstance(a, bool) or isinstance(b, bool):
        raise _no_overload(op, a, b)
    if isinstance(a, UInt) and isinstance(b, UInt):
        if op in ("/", "%") and b == 0:
            raise CelError("division by zero" if op == "/" else "modulus by zero")
        return _uint({"+": a + b, "-": a - b, "*": a * b, "/": a // b if b else 0,
                      "%": a % b if b else 0}[op])
    if type(a) is int and type(b) is int:
        if op in ("/", "%"):
            if b == 0:
                raise CelError("division by zero" if op == "/" else "modulus by zero")
            q = abs(a) // abs(b) * (1 if (a >= 0) == (b >= 0) else -1)   # Go truncates
            return _int(q if op == "/" else a - q * b)
        return _int({"+": a + b, "-": a - b, "*": a * b}[op])
    if isinstance(a, float) and isinstance(b, float):
        if op == "%":
            raise _no_overload(op, a, b)
        if op == "/":
            return a / b if b else (math.copysign(math.inf, a) if a else math.nan)
        return {"+": a + b, "-": a - b, "*": a * b}[op]
    if op == "+":
        if isinstance(a, str) and isinstance(b, str):
            return a + b
        if isinstance(a, bytes) and isinstance(b, bytes):
            return a + b
        if isinstance(a, list) and isinstance(b, list):
            return a + b
        if isinstance(a, Duration) and isinstance(b, Duration):
            return Duration(_int(a.ns + b.ns))
        if isinstance(a, Timestamp) and isinstance(b, Duration):
            return Timestamp(a.ns + b.ns)
        if isinstance(a, Duration) and isinstance(b, Timestamp):
            return Timestamp(a.ns + b.ns)
    if op == "-":
        if isinstance(a, Duration) and isinstance(b, Duration):
            return Duration(_int(a.ns - b.ns))
        if isinstance(a, Timestamp) and isinstance(b, Duration):
            return Timestamp(a.ns - b.ns)
        if isinstance(a, Timestamp) and isinstance(b, Timestamp):
            return Duration(_int(a.ns - b.ns))
    raise _no_overload({"+": "_+_", "-": "_-_", "*": "_*_", "/": "_/_", "%": "_%_"}[op], a, b)


def _go_regex(pattern):
    from .schema import GoRegexError, go_regex
    try:
        return go_regex(pattern)
    except GoRegexError as e:
        raise CelError(f"error parsing regexp: {e}") from None


def _to_int(v):
    if isinstance(v, bool):
        raise _no_overload("int", v)
    if isinstance(v, int):
        return _int(int(v))
    if isinstance(v, float):
        if math.isnan(v) or not -2**63 <= v < 2**63:
            raise CelError("double out of int range")
        return int(v)
    if isinstance(v, str):
        try:
            return _int(int(v, 10))
        except ValueError:
            raise CelError(f"cannot convert '{v}' to int") from None
    if isinstance(v, Duration):
        return v.ns
    if isinstance(v, Timestamp):
        return v.ns // 10**9
    raise _no_overload("int", v)


def _to_string(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, str)):
        return str(v) if not isinstance(v, str) else v
    if isinstance(v, float):
        return repr(v) if not v.is_integer() else f"{v:g}"
    if isinstance(v, bytes):
        try:
            return v.decode("utf-8")
        except UnicodeDecodeError:
            raise CelError("invalid UTF-8 in bytes, cannot convert to string") from None
    if isinstance(v, Duration):
        s = v.ns / 1e9
        return f"{s:g}s"
    raise _no_overload("string", v)


def _method(name, t, args):
    """Receiver-style and global functions on evaluated arguments."""
    a = [t] + args if t is not None else args
    n = len(a)
    if name == "size" and n == 1:
        v = a[0]
        if isinstance(v, (str, bytes, list, dict)):
            return len(v)
        raise _no_overload("size", v)
    if name in ("contains", "startsWith", "endsWith") and n == 2 and \
            isinstance(a[0], str) and isinstance(a[1], str):
        return {"contains": a[1] in a[0], "startsWith": a[0].startswith(a[1]),
                "endsWith": a[0].endswith(a[1])}[name]
    if name == "matches" and n == 2 and isinstance(a[0], str) and isinstance(a[1], str):
        return bool(_go_regex(a[1]).search(a[0]))
    if name == "int" and n == 1:
        return _to_int(a[0])
    if name == "uint" and n == 1:
        v = a[0]
        if isinstance(v, str):
            try:
                return _uint(int(v, 10))
            except ValueError:
                raise CelError(f"cannot convert '{v}' to uint") from None
        if _is_num(v):
            return _uint(int(v))
        raise _no_overload("uint", v)
    if name == "double" and n == 1:
        v = a[0]
        if _is_num(v):
            return float(v)
        if isinstance(v, str):
            try:
                return float(v)
            except ValueError:
                raise CelError(f"cannot convert '{v}' to double") from None
        raise _no_overload("double", v)
    if name == "string" and n == 1:
        return _to_string(a[0])
    if name == "bytes" and n == 1:
        if isinstance(a[0], bytes):
            return a[0]
        if isinstance(a[0], str):
            return a[0].encode()
        raise _no_overload("bytes", a[0])
    if name == "bool" and n == 1:
        if isinstance(a[0], bool):
            return a[0]
        if isinstance(a[0], str) and a[0] in ("true", "True", "TRUE", "t", "1", "false",
                                             "False", "FALSE", "f", "0"):
            return a[0] in ("true", "True", "TRUE", "t", "1")
        raise CelError("type conversion error from 'string' to 'bool'") if \
            isinstance(a[0], str) else _no_overload("bool", a[0])
    if name == "dyn" and n == 1:
        return a[0]
    if name == "duration" and n == 1:
        if isinstance(a[0], Duration):
            return a[0]
        if isinstance(a[0], str):
            return parse_duration(a[0])
        raise _no_overload("duration", a[0])
    if name == "timestamp" and n == 1:
        if isinstance(a[0], Timestamp):
            return a[0]
        if isinstance(a[0], str):
            return parse_timestamp(a[0])
        if isinstance(a[0], int) and not isinstance(a[0], bool):
            return Timestamp(a[0] * 10**9)
        raise _no_overload("timestamp", a[0])
    if name in ("getSeconds", "getMilliseconds", "getMinutes", "getHours") and n == 1 and \
            isinstance(a[0], Duration):
        div = {"getSeconds": 10**9, "getMilliseconds": 10**6, "getMinutes": 60 * 10**9,
               "getHours": 3600 * 10**9}[name]
        ns = a[0].ns   # Go's Duration.Seconds() etc.: truncated toward zero
        return (abs(ns) // div) * (1 if ns >= 0 else -1)
    if isinstance(a[0] if a else None, str):
        s = a[0]
        if name == "lowerAscii" and n == 1:
            return "".join(c.lower() if c.isascii() else c for c in s)
        if name == "upperAscii" and n == 1:
            return "".join(c.upper() if c.isascii() else c for c in s)
        if name == "trim" and n == 1:
            return s.strip()
        if name == "split" and n in (2, 3) and isinstance(a[1], str):
            limit = a[2] if n == 3 else -1
            if limit == 0:
                return []
            if a[1] == "":
                parts = list(s)
                if limit > 0 and len(parts) > limit:
                    parts = parts[:limit - 1] + ["".join(parts[limit - 1:])]
                return parts
            return s.split(a[1], limit - 1 if limit > 0 else -1)
        if name == "substring" and n in (2, 3):
            start, end = a[1], (a[2] if n == 3 else len(s))
            if not 0 <= start <= len(s) or not start <= end <= len(s):
                raise CelError(f"index out of range: {end if n == 3 else start}")
            return s[start:end]
        if name == "charAt" and n == 2:
            if not 0 <= a[1] <= len(s):
                raise CelError(f"index out of range: {a[1]}")
            return s[a[1]:a[1] + 1]
        if name in ("indexOf", "lastIndexOf") and n in (2, 3) and isinstance(a[1], str):
            if name == "indexOf":
                start = a[2] if n == 3 else 0
                if not 0 <= start <= len(s):
                    raise CelError(f"index out of range: {start}")
                return s.find(a[1], start)
            end = a[2] if n == 3 else len(s)
            if not 0 <= end <= len(s):
                raise CelError(f"index out of range: {end}")
            return s.rfind(a[1], 0, end + len(a[1]))
        if name == "replace" and n in (3, 4) and isinstance(a[1], str) and isinstance(a[2], str):
            return s.replace(a[1], a[2], a[3] if n == 4 else -1)
    if name == "join" and n in (1, 2) and isinstance(a[0], list) and \
            all(isinstance(x, str) for x in a[0]):
        return (a[1] if n == 2 else "").join(a[0])
    raise _no_overload(name, *a)


class _Ctx:
    __slots__ = ("vars",)

    def __init__(self, vars_):
        self.vars = vars_


def _ev(node, ctx):
    kind = node[0]
    if kind == "lit":
        return node[1]
    if kind == "id":
        if node[1] in ctx.vars:
            return ctx.vars[node[1]]
        raise CelError(f"no such attribute: {node[1]}")
    if kind == "sel":
        base = _ev(node[1], ctx)
        if isinstance(base, dict):
            if node[2] in base:
                return base[node[2]]
            raise CelError(f"no such key: {node[2]}")
        raise CelError(f"type '{_type_name(base)}' does not support field selection")
    if kind == "has":
        base = _ev(node[1], ctx)
        if isinstance(base, dict):
            return node[2] in base
        raise CelError("invalid type for field selection.")
    if kind == "not":
        v = _ev(node[1], ctx)
        if isinstance(v, bool):
            return not v
        raise _no_overload("!_", v)
    if kind == "neg":
        v = _ev(node[1], ctx)
        if isinstance(v, bool) or isinstance(v, UInt):
            raise _no_overload("-_", v)
        if isinstance(v, int):
            return _int(-v)
        if isinstance(v, float):
            return -v
        if isinstance(v, Duration):
            return Duration(_int(-v.ns))
        raise _no_overload("-_", v)
    if kind in ("and", "or"):
        decide = kind == "or"    # the value that decides alone
        err = None
        for side in (node[1], node[2]):
            try:
                v = _ev(side, ctx)
            except CelError as e:
                err = err or e
                continue
            if not isinstance(v, bool):
                err = err or _no_overload("_&&_" if kind == "and" else "_||_", v)
                continue
            if v is decide:
                return decide
        if err:
            raise err
        return not decide
    if kind == "cond":
        c = _ev(node[1], ctx)
        if not isinstance(c, bool):
            raise _no_overload("_?_:_", c)
        return _ev(node[2] if c else node[3], ctx)
    if kind == "bin":
        op = node[1]
        a, b = _ev(node[2], ctx), _ev(node[3], ctx)
        if op == "==":
            return _equal(a, b)
        if op == "!=":
            return not _equal(a, b)
        if op in ("<", "<=", ">", ">="):
            return _compare(op, a, b)
        if op == "in":
            if isinstance(b, list):
                return any(_equal(a, x) for x in b)
            if isinstance(b, dict):
                return a in b if isinstance(a, str) else False
            raise _no_overload("@in", a, b)
        return _arith(op, a, b)
    if kind == "idx":
        base, i = _ev(node[1], ctx), _ev(node[2], ctx)
        if isinstance(base, list):
            if not _is_num(i) or (isinstance(i, float) and not i.is_integer()):
                raise _no_overload("_[_]", base, i)
            if not 0 <= int(i) < len(base):
                raise CelError(f"index out of bounds: {int(i)}")
            return base[int(i)]
        if isinstance(base, dict):
            if i in base if isinstance(i, str) else False:
                return base[i]
            raise CelError(f"no such key: {i}")
        raise _no_overload("_[_]", base, i)
    if kind == "list":
        return [_ev(e, ctx) for e in node[1]]
    if kind == "map":
        out = {}
        for k, v in node[1]:
            kv = _ev(k, ctx)
            if kv in out:
                raise CelError(f"Failed with repeated key: {kv}")
            out[kv] = _ev(v, ctx)
        return out
    if kind == "call":
        name, target, args = node[1], node[2], node[3]
        if target is not None and target[0] == "id" and target[1] not in ctx.vars:
            raise Unsupported(f"{target[1]}.{name}")
        t = _ev(target, ctx) if target is not None else None
        vals = [_ev(a, ctx) for a in args]
        return _method(name, t, vals)
    if kind == "comp":
        return _comprehension(node, ctx)
    raise CelError(f"unknown expression {kind}")


def _comprehension(node, ctx):
    macro, var, exprs = node[1], node[3], node[4]
    rng = _ev(node[2], ctx)
    if isinstance(rng, dict):
        items = list(rng.keys())
    elif isinstance(rng, list):
        items = rng
    else:
        raise _no_overload(macro, rng)
    saved = ctx.vars.get(var, _MISSING)

    def each(e, x):
        ctx.vars[var] = x
        return _ev(e, ctx)

    try:
        if macro in ("all", "exists"):
            decide = macro == "exists"
            err = None
            for x in items:
                try:
                    v = each(exprs[0], x)
                except CelError as e:
                    err = err or e
                    continue
                if not isinstance(v, bool):
                    raise _no_overload(macro, v)
                if v is decide:
                    return decide
            if err:
                raise err
            return not decide
        if macro == "exists_one":
            n = 0
            for x in items:
                v = each(exprs[0], x)
                if not isinstance(v, bool):
                    raise _no_overload(macro, v)
                n += v
            return n == 1
        if macro == "filter":
            out = []
            for x in items:
                v = each(exprs[0], x)
                if not isinstance(v, bool):
                    raise _no_overload(macro, v)
                if v:
                    out.append(x)
            return out
        # map: (x, transform) or (x, filter, transform)
        out = []
        for x in items:
            if len(exprs) == 2:
                keep = each(exprs[0], x)
                if not isinstance(keep, bool):
                    raise _no_overload(macro, keep)
                if not keep:
                    continue
            out.append(each(exprs[-1], x))
        return out
    finally:
        if saved is _MISSING:
            ctx.vars.pop(var, None)
        else:
            ctx.vars[var] = saved


_MISSING = object()


def evaluate(rule, self_value, old_value=_MISSING):
    """True, False, or raises CelError / Unsupported."""
    vars_ = {"self": self_value}
    if old_value is not _MISSING:
        vars_["oldSelf"] = old_value
    v = _ev(rule.ast, _Ctx(vars_))
    if not isinstance(v, bool):
        raise CelError(f"rule evaluated to {_type_name(v)}, not bool")
    return v


# --- the rules of a schema, and their evaluation over an object --------------

def _render(v):
    import json
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, (int, float)):
        return str(v)
    return json.dumps(v)


class RuleSet:
    """Every x-kubernetes-validations rule of one version's schema,
    compiled. errors: (field path of the rule, message) of the rules that
    do not compile, which fail the CRD."""

    def __init__(self, schema, path="spec.validation.openAPIV3Schema"):
        self.schema = schema or {}
        self.rules = {}        # id(schema node) -> [(rule dict, Rule or None)]
        self.errors = []
        self._walk(self.schema, path, True)
        self.empty = not self.rules

    def _walk(self, s, path, correlatable):
        if not isinstance(s, dict):
            return
        xv = s.get("x-kubernetes-validations")
        if isinstance(xv, list) and xv:
            out = []
            for i, r in enumerate(xv):
                if not isinstance(r, dict):
                    continue
                try:
                    compiled = compile_rule(r.get("rule"), s)
                    if compiled.uses_old_self and not correlatable:
                        raise CompileError("oldSelf cannot be used on the uncorrelatable "
                                           "portion of the schema within " + path)
                except CompileError as e:
                    col = e.pos + 1
                    self.errors.append((
                        f"{path}.x-kubernetes-validations[{i}].rule",
                        f"Invalid value: {_render(r)}: compilation failed: ERROR: "
                        f"<input>:1:{col}: {e.msg}"))
                    compiled = None
                out.append((r, compiled))
            self.rules[id(s)] = out
        for k, sub in (s.get("properties") or {}).items():
            self._walk(sub, f"{path}.properties[{k}]", correlatable)
        addl = s.get("additionalProperties")
        if isinstance(addl, dict):
            self._walk(addl, f"{path}.additionalProperties",
                       correlatable and s.get("x-kubernetes-map-type") != "atomic")
        items = s.get("items")
        if isinstance(items, dict):
            self._walk(items, f"{path}.items",
                       correlatable and s.get("x-kubernetes-list-type") == "map")

    def validate(self, value, old, path, causes):
        """Appends (reason, field, message) causes of failed rules."""
        if not self.empty:
            self._validate(self.schema, value, old, path, causes)

    def _validate(self, s, value, old, path, causes):
        if value is None or not isinstance(s, dict):
            return
        for r, rule in self.rules.get(id(s), ()):
            if rule is None or not rule.supported:
                continue
            if rule.uses_old_self and old is None:
                continue   # transition rules need an old value to compare
            self_v = to_cel(value, s)
            try:
                ok = evaluate(rule, self_v, to_cel(old, s) if rule.uses_old_self else _MISSING)
            except Unsupported:
                continue
            except CelError as e:
                causes.append(("FieldValueInvalid", path or "<nil>",
                               f'Invalid value: "{s.get("type", "")}": {e} evaluating rule: '
                               f'{(r.get("message") or r.get("rule") or "").strip()}'))
                continue
            if ok:
                continue
            msg = (r.get("message") or "").strip() or \
                f'failed rule: {(r.get("rule") or "").strip()}'
            if s.get("type") in ("object", "array"):
                causes.append(("FieldValueInvalid", path or "<nil>", f"Invalid value: {msg}"))
            else:
                causes.append(("FieldValueInvalid", path or "<nil>",
                               f"Invalid value: {_render(value)}: {msg}"))
        if isinstance(value, dict):
            props = s.get("properties") or {}
            addl = s.get("additionalProperties")
            corr = isinstance(old, dict) and s.get("x-kubernetes-map-type") != "atomic"
            for k, v in value.items():
                sub = props.get(k) if k in props else addl if isinstance(addl, dict) else None
                if sub is not None:
                    self._validate(sub, v, old.get(k) if corr else None,
                                   f"{path}.{k}" if path else k, causes)
        elif isinstance(value, list) and isinstance(s.get("items"), dict):
            olds = {}
            keys = s.get("x-kubernetes-list-map-keys") or []
            if s.get("x-kubernetes-list-type") == "map" and isinstance(old, list):
                for o in old:
                    if isinstance(o, dict):
                        olds[tuple(_render(o.get(k)) for k in keys)] = o
            for i, v in enumerate(value):
                o = olds.get(tuple(_render(v.get(k)) for k in keys)) \
                    if olds and isinstance(v, dict) else None
                self._validate(s["items"], v, o, f"{path}[{i}]", causes)


# What the real strategy refuses to run CEL after: the OpenAPI errors of
# these types (hasBlockingErr).
BLOCKING = {"FieldValueNotSupported", "FieldValueRequired", "FieldValueTooLong",
            "FieldValueTooMany", "FieldValueTypeInvalid"}
NOT_CHECKED = ("FieldValueInvalid", "<nil>", 'Invalid value: "null": some validation rules '
               "were not checked because the object was invalid; correct the existing errors "
               "to complete validation")
