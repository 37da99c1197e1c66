#!/usr/bin/python3
"""Verifies the DKIM signature of the message on stdin with dkimpy (Debian's python3-dkim),
an implementation independent of the one that signed it. The DNS lookup is answered with the
public key given as the first argument (base64 DER), so no DNS is needed.

Exits 0 when the signature verifies, 1 when it does not; prints the signed header list."""
import sys

import dkim

public_key = sys.argv[1]
message = sys.stdin.buffer.read()


def dns(name, timeout=5):
    return f"v=DKIM1; k=rsa; p={public_key}".encode()


verifier = dkim.DKIM(message)
ok = verifier.verify(dnsfunc=dns)
signature = dkim.util.parse_tag_value(
    next(v for k, v in verifier.headers if k.lower() == b"dkim-signature").replace(b"\r\n", b"")
)
print(signature[b"h"].decode(), signature[b"d"].decode(), signature[b"s"].decode())
sys.exit(0 if ok else 1)
