"""Command line: serve (default), admin, stop. See ../README.md."""
import argparse
import gc
import json
import os
import secrets
import signal
import ssl
import sys
import threading
import time
import urllib.request

from . import tlsutil
from .api import Api, Config
from .server import Front
from .store import Store


def load_tokens(args):
    """{token: user}. Token files hold one token per line, or the
    kube-apiserver static token CSV (token,user,uid[,groups])."""
    tokens = {}
    for t in args.token or []:
        tokens[t] = "admin"
    for path in args.token_file or []:
        with open(path) as f:
            for line in f:
                line = line.strip()
                if not line or line.startswith("#"):
                    continue
                parts = [p.strip().strip('"') for p in line.split(",")]
                tokens[parts[0]] = parts[1] if len(parts) > 1 else "admin"
    return tokens


def serve(args):
    os.makedirs(args.dir, exist_ok=True)
    d = os.path.abspath(args.dir)
    tokens = load_tokens(args)
    if not tokens:
        tok = secrets.token_hex(16)
        tokens[tok] = "admin"
    token = next(iter(tokens))
    with open(os.path.join(d, "token"), "w") as f:
        f.write(token + "\n")
    # Stored objects and history are many long-lived containers: with the
    # default thresholds the cyclic GC rescans them about every hundred
    # writes (a fifth of the CPU at 10,000 Services). Cycles are rare here.
    gc.set_threshold(50000, 20, 10)
    store = Store(history_limit=args.history)
    if args.state and os.path.exists(args.state):
        with open(args.state) as f:
            store.load(json.load(f))
    host = args.bind
    url_host = f"[{host}]" if ":" in host else host
    tls_ctx, ca = None, None
    if not args.no_tls:
        if args.tls_cert and args.tls_key:
            cert, key, ca = args.tls_cert, args.tls_key, args.ca
        else:
            hosts = ["localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
                     "127.0.0.1", host] + (args.san or [])
            cert, key, ca = tlsutil.make_certs(d, sorted(set(hosts)))
        tls_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls_ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        tls_ctx.set_alpn_protocols(["http/1.1"])
        tls_ctx.load_cert_chain(cert, key)
    log = open(os.path.join(d, "apiserver.log"), "a", buffering=1) if not args.quiet else None
    cfg = Config(bookmark_interval=args.bookmark_interval,
                 min_request_timeout=args.min_request_timeout,
                 service_cidr=args.service_cidr)
    api = Api(store=store, config=cfg)
    for spec in args.runtime_config or []:
        err = api.registry.runtime_config(spec)
        if err:
            print(f"--runtime-config: {err}", file=sys.stderr)
            return 2
    front = Front(api, host, args.port, tls_ctx, tokens, args.insecure_port, log, args.state)
    front.start()
    cfg.server_address = f"{url_host}:{front.port}"
    scheme = "https" if tls_ctx else "http"
    url = f"{scheme}://{url_host}:{front.port}"
    kc = os.path.join(d, "kubeconfig")
    with open(kc, "w") as f:
        f.write(tlsutil.kubeconfig(url, token, ca))
    info = {"url": url, "port": front.port, "kubeconfig": kc, "token": token, "ca": ca,
            "pid": os.getpid(), "insecure_port": front.insecure_port}
    with open(os.path.join(d, "server.json.tmp"), "w") as f:
        json.dump(info, f)
    os.replace(os.path.join(d, "server.json.tmp"), os.path.join(d, "server.json"))
    with open(os.path.join(d, "pid"), "w") as f:
        f.write(f"{os.getpid()}\n")

    def on_term(signum, frame):
        threading.Thread(target=front.stop, daemon=True).start()

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    signal.signal(signal.SIGHUP, lambda s, f: threading.Thread(
        target=front.restart, daemon=True).start())
    signal.signal(signal.SIGUSR1, lambda s, f: store.close_watchers(reason="dropped"))
    signal.signal(signal.SIGUSR2, lambda s, f: store.compact())
    print(f"port={front.port} url={url} kubeconfig={kc}", flush=True)
    if args.daemon_fd is not None:
        os.write(args.daemon_fd, b"ok\n")
        os.close(args.daemon_fd)
    while not front.stopped.wait(0.5):
        pass
    front.flush_log()
    for p in ("pid", "server.json"):
        try:
            os.unlink(os.path.join(d, p))
        except OSError:
            pass
    return 0


def daemonize(argv, args):
    """Starts `serve` in the background and returns once it listens."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        os.setsid()
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        args.daemon_fd = w
        try:
            code = serve(args)
        except BaseException:
            code = 1
        os._exit(code)
    os.close(w)
    with os.fdopen(r) as f:
        ok = f.read().strip() == "ok"
    if not ok:
        print("apiserver failed to start (see its apiserver.log)", file=sys.stderr)
        return 1
    with open(os.path.join(args.dir, "server.json")) as f:
        info = json.load(f)
    print(f"port={info['port']} url={info['url']} kubeconfig={info['kubeconfig']} "
          f"pid={info['pid']}", flush=True)
    return 0


def admin(args):
    with open(os.path.join(args.dir, "server.json")) as f:
        info = json.load(f)
    query = "&".join(args.params)
    url = f"{info['url']}/_admin/{args.op}" + (f"?{query}" if query else "")
    ctx = ssl.create_default_context(cafile=info["ca"]) if info.get("ca") else None
    method = "GET" if args.op == "state" else "POST"
    req = urllib.request.Request(url, method=method,
                                 headers={"Authorization": f"Bearer {info['token']}"})
    with urllib.request.urlopen(req, context=ctx, timeout=30) as r:
        sys.stdout.write(r.read().decode() + "\n")
    return 0


def stop(args):
    try:
        with open(os.path.join(args.dir, "pid")) as f:
            pid = int(f.read())
    except (OSError, ValueError):
        return 0
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return 0
    for _ in range(100):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return 0
        time.sleep(0.1)
    print(f"apiserver {pid} did not stop", file=sys.stderr)
    return 1


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in ("admin", "stop"):
        cmd = argv.pop(0)
        p = argparse.ArgumentParser(prog=f"run {cmd}")
        p.add_argument("--dir", required=True)
        if cmd == "admin":
            p.add_argument("op", help="state|compact|drop-watches|restart|latency|fail|"
                           "runtime-config|bookmark-interval|save")
            p.add_argument("params", nargs="*", help="key=value query parameters")
            return admin(p.parse_args(argv))
        return stop(p.parse_args(argv))
    if argv and argv[0] == "serve":
        argv.pop(0)
    p = argparse.ArgumentParser(prog="run", description="Kubernetes API server stand-in")
    p.add_argument("--dir", required=True, help="where certs, token, kubeconfig, logs go")
    p.add_argument("--bind", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="0 picks a free port")
    p.add_argument("--insecure-port", type=int, default=None,
                   help="also serve plain HTTP without auth on 127.0.0.1 (debugging)")
    p.add_argument("--no-tls", action="store_true", help="serve plain HTTP (with auth)")
    p.add_argument("--tls-cert")
    p.add_argument("--tls-key")
    p.add_argument("--ca", help="CA of --tls-cert, written into the kubeconfig")
    p.add_argument("--san", action="append", help="extra name/IP for the generated cert")
    p.add_argument("--token", action="append", help="an accepted bearer token")
    p.add_argument("--token-file", action="append")
    p.add_argument("--state", help="load state from/save state to this JSON file")
    p.add_argument("--history", type=int, default=10000,
                   help="changes kept for watches and exact lists")
    p.add_argument("--bookmark-interval", type=float, default=60.0)
    p.add_argument("--min-request-timeout", type=float, default=1800.0)
    p.add_argument("--service-cidr", default="10.96.0.0/12")
    p.add_argument("--runtime-config", action="append",
                   help="as kube-apiserver: G/V=false turns a built-in group/version off "
                   "(e.g. discovery.k8s.io/v1=false: a server before 1.21)")
    p.add_argument("--quiet", action="store_true", help="no access log")
    p.add_argument("--daemon", action="store_true",
                   help="run in the background once listening")
    args = p.parse_args(argv)
    args.daemon_fd = None
    if args.daemon:
        return daemonize(argv, args)
    return serve(args)
