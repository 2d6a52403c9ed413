"""A self-signed CA and serving certificate made with the openssl CLI, and
the kubeconfig clients use."""
import base64
import ipaddress
import os
import subprocess


def make_certs(directory, hosts):
    """Writes ca.crt/ca.key and server.crt/server.key (ECDSA P-256) into
    directory; the server certificate names every host in `hosts`."""
    def path(name):
        return os.path.join(directory, name)

    def run(*args):
        subprocess.run(["openssl", *args], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE)

    run("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", path("ca.key"))
    run("req", "-x509", "-new", "-key", path("ca.key"), "-days", "3650", "-subj",
        "/CN=berth-apiserver-ca", "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign,digitalSignature",
        "-out", path("ca.crt"))
    run("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", path("server.key"))
    run("req", "-new", "-key", path("server.key"), "-subj", "/CN=kube-apiserver",
        "-out", path("server.csr"))
    sans = []
    for h in hosts:
        try:
            ipaddress.ip_address(h)
            sans.append(f"IP:{h}")
        except ValueError:
            sans.append(f"DNS:{h}")
    with open(path("server.ext"), "w") as f:
        f.write("basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
                f"extendedKeyUsage=serverAuth\nsubjectAltName={','.join(sans)}\n")
    run("x509", "-req", "-in", path("server.csr"), "-CA", path("ca.crt"), "-CAkey",
        path("ca.key"), "-CAcreateserial", "-days", "3650", "-extfile", path("server.ext"),
        "-out", path("server.crt"))
    for f in ("server.csr", "server.ext", "ca.srl"):
        if os.path.exists(path(f)):
            os.unlink(path(f))
    os.chmod(path("ca.key"), 0o600)
    os.chmod(path("server.key"), 0o600)
    return path("server.crt"), path("server.key"), path("ca.crt")


def kubeconfig(server_url, token, ca_file=None):
    """A kubeconfig (YAML) with one cluster, user and context."""
    if ca_file:
        with open(ca_file, "rb") as f:
            ca = base64.b64encode(f.read()).decode()
        cluster = f"    certificate-authority-data: {ca}\n    server: {server_url}\n"
    else:
        cluster = f"    server: {server_url}\n"
    return ("apiVersion: v1\nkind: Config\nclusters:\n- name: berth\n  cluster:\n" + cluster +
            "users:\n- name: berth-admin\n  user:\n    token: " + token + "\n"
            "contexts:\n- name: berth\n  context:\n    cluster: berth\n    user: berth-admin\n"
            "    namespace: default\ncurrent-context: berth\npreferences: {}\n")
