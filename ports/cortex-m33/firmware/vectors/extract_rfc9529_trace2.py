#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Copies the values of RFC 9529 Section 3 (trace 2: method 3, cipher suite 2,
CCS identified by kid, after the suite negotiation) that the Cortex-M33 test
image checks, from the RFC's text, into rfc9529_trace2.json:

    python3 extract_rfc9529_trace2.py rfc9529-edhoc-traces.md > rfc9529_trace2.json
"""
import json
import re
import sys

# JSON key -> (block title in the trace, which occurrence)
WANTED = {
    "x": ("X (Raw Value) (32 bytes)", 0),
    "y": ("Y (Raw Value) (32 bytes)", 0),
    "sk_r": ("SK_R (Raw Value) (32 bytes)", 0),
    "pk_r_x": ("Responder's public authentication key, 'x'-coordinate", 0),
    "pk_r_y": ("Responder's public authentication key, 'y'-coordinate", 0),
    "sk_i": ("SK_I (Raw Value) (32 bytes)", 0),
    "pk_i_x": ("Initiator's public authentication key, 'x'-coordinate", 0),
    "pk_i_y": ("Initiator's public authentication key, 'y'-coordinate", 0),
    "id_cred_r": ("ID_CRED_R (CBOR Data Item)", 0),
    "cred_r": ("CRED_R (CBOR Data Item)", 0),
    "id_cred_i": ("ID_CRED_I (CBOR Data Item)", 0),
    "cred_i": ("CRED_I (CBOR Data Item)", 0),
    "message_1": ("message_1 (CBOR Sequence) (39 bytes)", 0),
    "message_2": ("message_2 (CBOR Sequence)", 0),
    "message_3": ("message_3 (CBOR Sequence)", 0),
    "message_4": ("message_4 (CBOR Sequence)", 0),
    "prk_out": ("PRK_out (Raw Value)", 0),
    "prk_exporter": ("PRK_exporter (Raw Value)", 0),
    "oscore_master_secret": ("OSCORE Master Secret (Raw Value)", 0),
    "oscore_master_salt": ("OSCORE Master Salt (Raw Value)", 0),
    "key_update_context": ("context for KeyUpdate (Raw Value)", 0),
    "prk_out_after_key_update": ("PRK_out after KeyUpdate (Raw Value)", 0),
    "oscore_master_secret_after_key_update": ("OSCORE Master Secret after KeyUpdate (Raw Value)", 0),
    "oscore_master_salt_after_key_update": ("OSCORE Master Salt after KeyUpdate (Raw Value)", 0),
}


def main():
    text = open(sys.argv[1]).read()
    start = text.index("# Authentication with Static DH, CCS Identified by 'kid'")
    start = text.index("## message_1 (second time)", start)
    end = text.index("# Invalid Traces", start)
    blocks, current = [], None
    for line in text[start:end].split("\n"):
        if line.startswith("~" * 8):  # artwork fences open and close blocks
            if current is None:
                current = []
            else:
                blocks.append(current)
                current = None
        elif current is not None:
            current.append(line)
    parsed = []
    for lines in blocks:
        title = " ".join(l for l in lines if not re.fullmatch(r"([0-9a-f]{2} ?)+", l.strip()))
        hexdata = "".join(l.replace(" ", "") for l in lines if re.fullmatch(r"([0-9a-f]{2} ?)+", l.strip()))
        parsed.append((title, hexdata))
    out = {"source": "RFC 9529, Section 3 (trace 2), from message_1 (second time) on: method 3, "
                     "SUITES_I [6, 2], cipher suite 2 (P-256, AES-CCM-16-64-128, SHA-256)"}
    for key, (title, nth) in WANTED.items():
        hits = [h for t, h in parsed if re.search(r"(^|\s)" + re.escape(title), t)]
        if len(hits) <= nth or not hits[nth]:
            raise SystemExit("not found: " + title)
        out[key] = hits[nth]
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
