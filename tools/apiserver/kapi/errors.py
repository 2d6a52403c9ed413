"""Status objects and the exception that carries them.

Every failure a client sees is a metav1.Status with the reason and code a
real kube-apiserver uses (k8s.io/apimachinery/pkg/api/errors), because
clients branch on reason/code, never on the message.
"""
import json

from . import jsonutil


class ApiError(Exception):
    """An error answered to the client as a Status object."""

    def __init__(self, code, reason, message, details=None, headers=None):
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details
        self.headers = headers or {}

    def status(self):
        st = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
        }
        if self.details is not None:
            st["details"] = self.details
        st["code"] = self.code
        return st

    def body(self):
        return jsonutil.dumps(self.status()).encode()


def qualified(resource, group):
    return f"{resource}.{group}" if group else resource


def _details(name, group, kind):
    d = {}
    if name:
        d["name"] = name
    if group:
        d["group"] = group
    d["kind"] = kind
    return d


def not_found(resource, group, name):
    return ApiError(404, "NotFound", f'{qualified(resource, group)} "{name}" not found',
                    _details(name, group, resource))


def path_not_found():
    return ApiError(404, "NotFound", "the server could not find the requested resource", {})


def already_exists(resource, group, name):
    return ApiError(409, "AlreadyExists",
                    f'{qualified(resource, group)} "{name}" already exists',
                    _details(name, group, resource))


def conflict(resource, group, name, why=None):
    why = why or ("the object has been modified; please apply your changes "
                  "to the latest version and try again")
    return ApiError(409, "Conflict",
                    f"Operation cannot be fulfilled on {qualified(resource, group)} "
                    f'"{name}": {why}',
                    _details(name, group, resource))


def invalid(kind, group, name, causes):
    """422 Invalid with field causes; causes are (reason, field, message)."""
    msgs = [f"{field}: {msg}" if field else msg for _, field, msg in causes]
    joined = msgs[0] if len(msgs) == 1 else "[" + ", ".join(msgs) + "]"
    qkind = f"{kind}.{group}" if group else kind
    d = _details(name, group, kind)
    d["causes"] = [{"reason": r, "message": m, "field": f} for r, f, m in causes]
    return ApiError(422, "Invalid", f'{qkind} "{name}" is invalid: {joined}', d)


def bad_request(message):
    return ApiError(400, "BadRequest", message)


def expired(message):
    return ApiError(410, "Expired", message)


def gone(message):
    return ApiError(410, "Gone", message)


def unauthorized():
    return ApiError(401, "Unauthorized", "Unauthorized")


def forbidden(resource, group, name, why):
    who = f'{qualified(resource, group)} "{name}"' if name else qualified(resource, group)
    return ApiError(403, "Forbidden", f"{who} is forbidden: {why}", _details(name, group, resource))


def method_not_allowed():
    return ApiError(405, "MethodNotAllowed",
                    "the server does not allow this method on the requested resource", {})


def unsupported_media(accepted):
    return ApiError(415, "UnsupportedMediaType",
                    "the body of the request was in an unknown format - accepted media types "
                    "include: " + ", ".join(accepted))


def not_acceptable(accepted):
    return ApiError(406, "NotAcceptable",
                    "only the following media types are accepted: " + ", ".join(accepted))


def internal(message):
    return ApiError(500, "InternalError", f"Internal error occurred: {message}",
                    {"causes": [{"message": message}]})


def timeout(message, retry_after=1):
    return ApiError(504, "Timeout", message, {"retryAfterSeconds": retry_after})


def too_large_rv():
    return ApiError(504, "Timeout", "Too large resource version",
                    {"causes": [{"reason": "ResourceVersionTooLarge",
                                 "message": "Too large resource version"}],
                     "retryAfterSeconds": 1})


def injected(code, resource, group, name, reason=None):
    """The error a test asked for with /_admin/fail, shaped like the real one."""
    if code == 409 and reason == "AlreadyExists":
        return already_exists(resource, group, name or "")
    if code == 409:
        return conflict(resource, group, name or "")
    if code == 500:
        return internal("injected failure")
    if code == 429:
        return ApiError(429, "TooManyRequests", "the server has received too many requests "
                        "and has asked us to try again later", {"retryAfterSeconds": 1},
                        headers={"Retry-After": "1"})
    if code == 503:
        return ApiError(503, "ServiceUnavailable", "the server is currently unable to handle "
                        "the request", {})
    if code == 504:
        return timeout("the server was unable to return a response in the time allotted, "
                       "but may still be processing the request")
    return ApiError(code, "Unknown", f"injected failure with code {code}", {})
