"""The RS256 signing key of the development identity provider.

Read from the DEVIDP_RSA_KEY environment variable (PEM text) when set; otherwise
generated on first use into VAR_DIR/devidp-rsa.pem (mode 0600) and reused from there.
The file is never part of the repository (var/ is ignored). Imported by the settings:
standard library only at module level.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
from pathlib import Path

_lock = threading.Lock()
_cache: dict[Path, str] = {}


def load_or_create_private_key(path: Path) -> str:
    """PEM text of the key at `path`, creating the key first if the file does not exist.

    Safe when several processes start at once: the key is written to a temporary file
    and linked into place, so the first one to finish wins and the others read its key.
    """
    with _lock:
        if path in _cache:
            return _cache[path]
        if not path.exists():
            _create(path)
        pem = path.read_text(encoding="ascii")
        _cache[path] = pem
        return pem


def _create(path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".devidp-rsa-", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, pem)
        os.close(fd)
        with contextlib.suppress(FileExistsError):  # another process was first: keep its key
            os.link(tmp, path)
    finally:
        os.unlink(tmp)
