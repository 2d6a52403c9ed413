"""kapi: a Kubernetes API server stand-in for berth's tests and lab.

Speaks the real wire protocol (JSON over HTTPS, bearer tokens, chunked
watch streams, Status errors) so that berth and kubectl cannot tell it
from a kube-apiserver for the resources it serves. See ../README.md.
"""
