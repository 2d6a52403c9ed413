"""Label and field selectors with the grammar of apimachinery's labels.Parse
and fields.ParseSelector. A parse error raises ApiError 400 like the real
server does."""
import re

from . import errors

_TOKEN = re.compile(r"\s*(!=|==|=|\(|\)|,|!|<|>|[^\s!=,()<>]+)")


def _tokens(text):
    out, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            if text[pos:].strip() == "":
                break
            raise errors.bad_request(f"unable to parse requirement: invalid selector {text!r}")
        out.append(m.group(1))
        pos = m.end()
    return out


class LabelSelector:
    """A conjunction of requirements (key, op, values)."""

    def __init__(self, reqs):
        self.reqs = reqs

    @classmethod
    def parse(cls, text):
        toks = _tokens(text or "")
        reqs, i = [], 0

        def bad(why):
            return errors.bad_request(f"unable to parse requirement: {why}")

        while i < len(toks):
            if toks[i] == "!":
                if i + 1 >= len(toks) or not _is_ident(toks[i + 1]):
                    raise bad("found '!', expected: identifier")
                reqs.append((toks[i + 1], "!", []))
                i += 2
            else:
                key = toks[i]
                if not _is_ident(key):
                    raise bad(f"found '{key}', expected: !, identifier, or 'end of string'")
                i += 1
                if i >= len(toks) or toks[i] == ",":
                    reqs.append((key, "exists", []))
                elif toks[i] in ("=", "==", "!=", "<", ">"):
                    op = {"==": "="}.get(toks[i], toks[i])
                    i += 1
                    val = ""
                    if i < len(toks) and toks[i] not in (",",):
                        if not _is_ident(toks[i]):
                            raise bad(f"found '{toks[i]}', expected: identifier")
                        val = toks[i]
                        i += 1
                    if op in ("<", ">"):
                        try:
                            int(val)
                        except ValueError:
                            raise bad(f"for 'Gt', 'Lt' operators, the value must be an "
                                      f"integer") from None
                    reqs.append((key, op, [val]))
                elif toks[i] in ("in", "notin"):
                    op = toks[i]
                    i += 1
                    if i >= len(toks) or toks[i] != "(":
                        raise bad("found end of string, expected: '('")
                    i += 1
                    vals, cur, seen = [], "", False
                    while True:
                        if i >= len(toks):
                            raise bad("found end of string, expected: ')'")
                        tok = toks[i]
                        i += 1
                        if tok == ")":
                            break
                        if tok == ",":
                            vals.append(cur)
                            cur, seen = "", False
                        elif seen or not _is_ident(tok):
                            raise bad(f"found '{tok}', expected: ',' or ')'")
                        else:
                            cur, seen = tok, True
                    vals.append(cur)
                    reqs.append((key, op, vals))
                else:
                    raise bad(f"found '{toks[i]}', expected: in, notin, =, ==, !=, gt, lt")
            if i < len(toks):
                if toks[i] != ",":
                    raise bad(f"found '{toks[i]}', expected: ',' or 'end of string'")
                i += 1
                if i >= len(toks):
                    raise bad("found 'end of string', expected: identifier")
        return cls(reqs)

    def matches(self, labels):
        labels = labels or {}
        for key, op, vals in self.reqs:
            has = key in labels
            v = labels.get(key)
            if op == "exists" and not has:
                return False
            if op == "!" and has:
                return False
            if op == "=" and (not has or v != vals[0]):
                return False
            if op == "!=" and has and v == vals[0]:
                return False
            if op == "in" and (not has or v not in vals):
                return False
            if op == "notin" and has and v in vals:
                return False
            if op in ("<", ">"):
                try:
                    n = int(v) if has else None
                except ValueError:
                    return False
                if n is None or (op == "<" and not n < int(vals[0])) or \
                        (op == ">" and not n > int(vals[0])):
                    return False
        return True

    def empty(self):
        return not self.reqs


def _is_ident(tok):
    return tok not in ("!=", "==", "=", "(", ")", ",", "!", "<", ">", "in", "notin")


class FieldSelector:
    """A conjunction of (field, op, value) with op '=' or '!='."""

    def __init__(self, reqs):
        self.reqs = reqs

    @classmethod
    def parse(cls, text, allowed):
        reqs = []
        for part in _split_unescaped(text or "", ","):
            if not part:
                continue
            m = re.match(r"^(.*?)(!=|==|=)(.*)$", part, re.S)
            if not m:
                raise errors.bad_request(f"invalid selector: '{text}'; can't understand "
                                         f"'{part}'")
            field, op, value = m[1].strip(), m[2], _unescape(m[3].strip())
            if field not in allowed:
                raise errors.bad_request(
                    f'"{field}" is not a known field selector: only '
                    + ", ".join(f'"{a}"' for a in allowed))
            reqs.append((field, "!=" if op == "!=" else "=", value))
        return cls(reqs)

    def matches(self, fields):
        for field, op, value in self.reqs:
            got = fields.get(field, "")
            if (op == "=") != (got == value):
                return False
        return True

    def exact_name(self):
        for field, op, value in self.reqs:
            if field == "metadata.name" and op == "=":
                return value
        return None


def _split_unescaped(text, sep):
    parts, cur, esc = [], [], False
    for ch in text:
        if esc:
            cur.append("\\" + ch)
            esc = False
        elif ch == "\\":
            esc = True
        elif ch == sep:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return parts


def _unescape(s):
    return re.sub(r"\\(.)", r"\1", s)


def field_value(obj, path):
    """The string a field selector compares for a dotted path (absent -> "")."""
    cur = obj
    for p in path.split("."):
        if not isinstance(cur, dict) or p not in cur:
            return ""
        cur = cur[p]
    if isinstance(cur, bool):
        return "true" if cur else "false"
    return "" if cur is None else str(cur)
