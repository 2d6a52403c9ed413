"""ObjectMeta helpers: names, timestamps, uids, label syntax, ages."""
import re
import time
import uuid

# DNS-1123 label and subdomain, as apimachinery/pkg/util/validation checks them.
_DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS1123_SUBDOMAIN = re.compile(
    r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_QUALIFIED_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")


def now_rfc3339(now=None):
    """metav1.Time: RFC 3339 in UTC with second precision."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() if now is None else now))


def parse_rfc3339(s):
    """Seconds since the epoch, or None when s is not an RFC 3339 time."""
    if not isinstance(s, str):
        return None
    m = re.match(r"^(\d{4})-(\d\d)-(\d\d)[Tt](\d\d):(\d\d):(\d\d)(\.\d+)?([Zz]|[+-]\d\d:\d\d)$", s)
    if not m:
        return None
    import calendar
    try:
        secs = calendar.timegm((int(m[1]), int(m[2]), int(m[3]), int(m[4]), int(m[5]),
                                int(m[6]), 0, 0, 0))
    except (ValueError, OverflowError):
        return None
    if m[7]:
        secs += float(m[7])
    tz = m[8]
    if tz not in ("Z", "z"):
        sign = 1 if tz[0] == "+" else -1
        secs -= sign * (int(tz[1:3]) * 3600 + int(tz[4:6]) * 60)
    return secs


def new_uid():
    return str(uuid.uuid4())


def is_dns1123_label(s):
    return isinstance(s, str) and len(s) <= 63 and bool(_DNS1123_LABEL.match(s))


def is_dns1123_subdomain(s):
    return isinstance(s, str) and len(s) <= 253 and bool(_DNS1123_SUBDOMAIN.match(s))


def label_key_error(key):
    """Why key is not a valid label/annotation key (prefix/name), or None."""
    if not isinstance(key, str) or not key:
        return "name part must be non-empty"
    prefix, _, name = key.rpartition("/")
    if "/" in key and not prefix:
        return "prefix part must be non-empty"
    if prefix and not is_dns1123_subdomain(prefix):
        return "prefix part must be a DNS-1123 subdomain"
    if len(name) > 63 or not _QUALIFIED_NAME.match(name):
        return ("name part must consist of alphanumeric characters, '-', '_' or '.', and must "
                "start and end with an alphanumeric character")
    return None


def label_value_error(value):
    if not isinstance(value, str):
        return "must be a string"
    if len(value) > 63 or not _LABEL_VALUE.match(value):
        return ("a valid label must be an empty string or consist of alphanumeric characters, "
                "'-', '_' or '.', and must start and end with an alphanumeric character")
    return None


def human_duration(seconds):
    """apimachinery's duration.HumanDuration, as kubectl's AGE column shows it."""
    if seconds < -1:
        return "<invalid>"
    if seconds < 0:
        return "0s"
    s = int(seconds)
    if s < 60 * 2:
        return f"{s}s"
    m = s // 60
    if m < 10:
        r = s % 60
        return f"{m}m{r}s" if r else f"{m}m"
    if m < 60 * 3:
        return f"{m}m"
    h = m // 60
    if h < 8:
        r = m % 60
        return f"{h}h{r}m" if r else f"{h}h"
    if h < 48:
        return f"{h}h"
    if h < 24 * 8:
        r = h % 24
        return f"{h // 24}d{r}h" if r else f"{h // 24}d"
    if h < 24 * 365 * 2:
        return f"{h // 24}d"
    if h < 24 * 365 * 8:
        d = (h // 24) % 365
        return f"{h // 24 // 365}y{d}d" if d else f"{h // 24 // 365}y"
    return f"{h // 24 // 365}y"


def age(obj, now=None):
    ts = parse_rfc3339(obj.get("metadata", {}).get("creationTimestamp"))
    if ts is None:
        return "<unknown>"
    return human_duration((time.time() if now is None else now) - ts)


def validate_object_meta(meta, namespaced, causes, name_check=is_dns1123_subdomain,
                         path="metadata"):
    """Appends (reason, field, message) causes for ObjectMeta mistakes."""
    name = meta.get("name")
    if not name:
        causes.append(("FieldValueRequired", f"{path}.name", "Required value: name or "
                       "generateName is required"))
    elif not name_check(name):
        causes.append(("FieldValueInvalid", f"{path}.name",
                       f'Invalid value: "{name}": a lowercase RFC 1123 subdomain must consist '
                       "of lower case alphanumeric characters, '-' or '.', and must start and "
                       "end with an alphanumeric character"))
    if not namespaced and meta.get("namespace"):
        causes.append(("FieldValueForbidden", f"{path}.namespace",
                       "Forbidden: not allowed on this type"))
    for field in ("labels", "annotations"):
        m = meta.get(field)
        if m is None:
            continue
        if not isinstance(m, dict):
            causes.append(("FieldValueTypeInvalid", f"{path}.{field}",
                           "Invalid value: must be an object"))
            continue
        for k, v in m.items():
            err = label_key_error(k)
            if err:
                causes.append(("FieldValueInvalid", f"{path}.{field}",
                               f'Invalid value: "{k}": {err}'))
            if field == "labels":
                err = label_value_error(v)
                if err:
                    causes.append(("FieldValueInvalid", f"{path}.labels",
                                   f'Invalid value: "{v}": {err}'))
            elif not isinstance(v, str):
                causes.append(("FieldValueTypeInvalid", f"{path}.annotations.{k}",
                               "Invalid value: must be a string"))
