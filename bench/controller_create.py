#!/usr/bin/python3
"""Creates N LoadBalancer Services in the API server stand-in as fast as it
takes them: T threads, each with one keep-alive HTTPS connection. Prints
"created N in S s (R/s)". usage: controller_create.py SERVER_JSON N [T] [PREFIX]"""
import http.client
import json
import ssl
import sys
import threading
import time
from urllib.parse import urlparse


def main():
    info = json.load(open(sys.argv[1]))
    n = int(sys.argv[2])
    threads = int(sys.argv[3]) if len(sys.argv) > 3 else 4
    prefix = sys.argv[4] if len(sys.argv) > 4 else "b"
    url = urlparse(info["url"])
    ctx = ssl.create_default_context(cafile=info["ca"])
    hdr = {"Authorization": "Bearer " + info["token"], "Content-Type": "application/json"}
    errors = []

    def work(k):
        conn = http.client.HTTPSConnection(url.hostname, url.port, context=ctx)
        for i in range(k, n, threads):
            body = json.dumps({
                "apiVersion": "v1", "kind": "Service",
                "metadata": {"name": f"{prefix}{i}", "namespace": "default"},
                "spec": {"type": "LoadBalancer", "selector": {"app": f"{prefix}{i}"},
                         "ports": [{"name": "p", "port": 80, "protocol": "TCP"}]}})
            conn.request("POST", "/api/v1/namespaces/default/services", body, hdr)
            r = conn.getresponse()
            r.read()
            if r.status != 201:
                errors.append(r.status)
        conn.close()

    t0 = time.monotonic()
    ts = [threading.Thread(target=work, args=(k,)) for k in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    dt = time.monotonic() - t0
    print(f"created {n - len(errors)} in {dt:.1f} s ({(n - len(errors)) / dt:.0f}/s), "
          f"{len(errors)} errors")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
