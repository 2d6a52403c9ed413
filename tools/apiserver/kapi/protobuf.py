"""Just enough of the protobuf wire format (varints and length-delimited
fields) to write the OpenAPI v2 document kubectl asks for."""


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _delimited(field, payload):
    return varint(field << 3 | 2) + varint(len(payload)) + payload


def string_field(field, s):
    return _delimited(field, s.encode())


def message_field(field, encoded):
    return _delimited(field, encoded)
