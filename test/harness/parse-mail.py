#!/usr/bin/python3
# A standard mail parser for the tests: Python's own `email` package (policy.default, RFC 5322 and
# MIME) reads a message file and prints what it found as JSON — headers decoded, every part with
# its content type, file name and decoded content, and the parser's defects.

import email
import email.policy
import json
import sys

with open(sys.argv[1], "rb") as f:
    msg = email.message_from_binary_file(f, policy=email.policy.default)


def part(p):
    out = {"contentType": p.get_content_type(), "filename": p.get_filename(), "disposition": p.get_content_disposition(), "defects": [type(d).__name__ for d in p.defects]}
    if p.is_multipart():
        out["parts"] = [part(c) for c in p.iter_parts()]
    else:
        content = p.get_content()
        out["content"] = content if isinstance(content, str) else content.decode("utf-8")
    return out


headers = {}
for name, value in msg.items():
    headers.setdefault(name.lower(), []).append(str(value))
print(json.dumps({"headers": headers, "root": part(msg)}))
