"""The tests' certificate authority: scripts/tls_certs.py (shared with
scripts/netns_cluster)."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "scripts"))
from tls_certs import OPENSSL, Authority, openssl  # noqa: E402,F401
