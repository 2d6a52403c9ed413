"""The objects in what kubectl writes with -o json: one object, a List, or
several of either one after another (kubectl annotate --local writes one
document per input document). For the checks the kubectl tests run with
python3 from the repository's root: sys.path.insert(0, "tests/lib").
"""
import json


def objs(path):
    """Every object in the file at path, the items of a List in its place."""
    text, dec, out, i = open(path).read(), json.JSONDecoder(), [], 0
    while i < len(text):
        if text[i].isspace():
            i += 1
            continue
        o, i = dec.raw_decode(text, i)
        out.extend(o["items"] if o.get("kind") == "List" else [o])
    return out
