"""A certificate authority made with the openssl command, for nodes that talk TLS
(node.tls.*): the integration tests make one at test time (tests/integration/certs.py),
scripts/netns_cluster one per run."""
import os
import shutil
import subprocess

OPENSSL = shutil.which("openssl")


def openssl(*args):
    subprocess.run([OPENSSL, *args], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, timeout=60)


class Authority:
    """A CA in `directory` that signs node certificates."""

    def __init__(self, directory, name):
        self.dir = directory
        self.crt = os.path.join(directory, f"{name}.crt")
        self.key = os.path.join(directory, f"{name}.key")
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", self.key,
                "-out", self.crt, "-days", "2", "-subj", f"/CN={name}")

    def issue(self, name, passphrase=None):
        """(certificate, key) of a node; the key encrypted with `passphrase`."""
        key = os.path.join(self.dir, f"{name}.key")
        csr = os.path.join(self.dir, f"{name}.csr")
        crt = os.path.join(self.dir, f"{name}.crt")
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr,
                "-subj", f"/CN={name}")
        openssl("x509", "-req", "-in", csr, "-CA", self.crt, "-CAkey", self.key,
                "-CAcreateserial", "-out", crt, "-days", "2")
        if passphrase:
            encrypted = os.path.join(self.dir, f"{name}.enc.key")
            openssl("pkey", "-in", key, "-out", encrypted, "-aes256", "-passout",
                    f"pass:{passphrase}")
            key = encrypted
        return crt, key

    def sets(self, name, passphrase=None):
        crt, key = self.issue(name, passphrase)
        out = [f"node.tls.certificate={crt}", f"node.tls.key={key}",
               f"node.tls.ca_file={self.crt}"]
        if passphrase:
            out.append(f"node.tls.passphrase={passphrase}")
        return out
