#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Extracts crypto-port known answers from the RFC 9529 traces into kat.json.

Usage: extract.py <rfc9529-edhoc-traces.md> > kat.json

Each value is the hex of a "(Raw Value)" / "(CBOR ...)" block of the trace,
found by its label and the description line above it, within trace 1
(Section 2: method 0, suite 0) or trace 2 (Section 3: method 3, suite 2).
"""
import json
import re
import sys


def blocks(lines):
    """Yields (description, label, hex) for every ~~~~ block of the trace."""
    i = 0
    while i < len(lines):
        if lines[i].startswith("~~~~"):
            j = i + 1
            body = []
            while j < len(lines) and not lines[j].startswith("~~~~"):
                body.append(lines[j])
                j += 1
            for k, line in enumerate(body):
                m = re.match(r"^(.*?)\s*\((Raw Value|CBOR Data Item|CBOR Sequence)\)", line)
                if m:
                    desc = " ".join(body[:k]).strip()
                    hexdata = "".join("".join(body[k + 1:]).split())
                    yield desc, m.group(1).strip(), m.group(2), hexdata.lower()
                    break
            i = j + 1
        else:
            i += 1


def main():
    text = open(sys.argv[1], encoding="utf-8").read().splitlines()
    start2 = next(i for i, l in enumerate(text) if l.startswith("# Authentication with Static DH"))
    end2 = next(i for i, l in enumerate(text) if l.startswith("# Invalid Traces"))
    start1 = next(i for i, l in enumerate(text) if l.startswith("# Authentication with Signatures"))
    t1 = list(blocks(text[start1:start2]))
    # Trace 2 sends message_1 twice; the second run is the one that completes.
    second = next(i for i, l in enumerate(text) if l.startswith("## message_1 (second time)"))
    t2 = list(blocks(text[second:end2]))

    def get(trace, label, kind="Raw Value", desc=None, nth=0):
        hits = [h for d, l, k, h in trace if l == label and k == kind and (desc is None or desc in d)]
        if len(hits) <= nth:
            sys.exit(f"not found: {label} {kind} {desc}")
        return hits[nth]

    out = {
        "source": "RFC 9529 (Traces of EDHOC), Sections 2 and 3; extracted by extract.py",
        "x25519": [
            {"name": "trace1 G_XY from X, G_Y", "private": get(t1, "X"), "public": get(t1, "G_Y"),
             "shared": get(t1, "G_XY")},
            {"name": "trace1 G_XY from Y, G_X", "private": get(t1, "Y"), "public": get(t1, "G_X"),
             "shared": get(t1, "G_XY")},
        ],
        "x25519_public": [
            {"name": "trace1 G_X", "private": get(t1, "X"), "public": get(t1, "G_X")},
            {"name": "trace1 G_Y", "private": get(t1, "Y"), "public": get(t1, "G_Y")},
        ],
        # P-256 peers are x-coordinates only, as EDHOC sends them.
        "p256_ecdh_x_only": [
            {"name": "trace2 G_XY from X, G_Y", "private": get(t2, "X"), "public_x": get(t2, "G_Y"),
             "shared": get(t2, "G_XY")},
            {"name": "trace2 G_XY from Y, G_X", "private": get(t2, "Y"), "public_x": get(t2, "G_X"),
             "shared": get(t2, "G_XY")},
            {"name": "trace2 G_RX from X, G_R", "private": get(t2, "X"),
             "public_x": get(t2, "", desc="Responder's public authentication key, 'x'"), "shared": get(t2, "G_RX")},
            {"name": "trace2 G_IY from Y, G_I", "private": get(t2, "Y"),
             "public_x": get(t2, "", desc="Initiator's public authentication key, 'x'"), "shared": get(t2, "G_IY")},
        ],
        "p256_public": [
            {"name": "trace2 G_X", "private": get(t2, "X"),
             "x": get(t2, "G_X"), "y": get(t2, "", desc="Initiator's ephemeral public key, one 'y'")},
            {"name": "trace2 G_Y", "private": get(t2, "Y"),
             "x": get(t2, "G_Y"), "y": get(t2, "", desc="Responder's ephemeral public key, one 'y'")},
            {"name": "trace2 PK_R", "private": get(t2, "SK_R"),
             "x": get(t2, "", desc="Responder's public authentication key, 'x'"),
             "y": get(t2, "", desc="Responder's public authentication key, 'y'")},
            {"name": "trace2 PK_I", "private": get(t2, "SK_I"),
             "x": get(t2, "", desc="Initiator's public authentication key, 'x'"),
             "y": get(t2, "", desc="Initiator's public authentication key, 'y'")},
        ],
        "ed25519": [
            {"name": "trace1 Signature_or_MAC_2", "private": get(t1, "SK_R"), "public": get(t1, "PK_R"),
             "msg": get(t1, "Message to be signed 2", kind="CBOR Data Item"), "sig": get(t1, "Signature_or_MAC_2")},
            {"name": "trace1 Signature_or_MAC_3", "private": get(t1, "SK_I"), "public": get(t1, "PK_I"),
             "msg": get(t1, "Message to be signed 3", kind="CBOR Data Item"), "sig": get(t1, "Signature_or_MAC_3")},
        ],
        "sha256": [
            {"name": "trace1 TH_2", "msg": get(t1, "Input to calculate TH_2", kind="CBOR Sequence"),
             "digest": get(t1, "TH_2")},
            {"name": "trace1 TH_3", "msg": get(t1, "Input to calculate TH_3", kind="CBOR Sequence"),
             "digest": get(t1, "TH_3")},
            {"name": "trace2 TH_3", "msg": get(t2, "Input to calculate TH_3", kind="CBOR Sequence"),
             "digest": get(t2, "TH_3")},
        ],
        "hkdf_extract": [
            {"name": "trace1 PRK_2e", "salt": get(t1, "TH_2"), "ikm": get(t1, "G_XY"), "prk": get(t1, "PRK_2e")},
            {"name": "trace2 PRK_3e2m", "salt": get(t2, "SALT_3e2m"), "ikm": get(t2, "G_RX"),
             "prk": get(t2, "PRK_3e2m")},
        ],
        "hkdf_expand": [
            {"name": "trace1 KEYSTREAM_2", "prk": get(t1, "PRK_2e"),
             "info": get(t1, "info for KEYSTREAM_2", kind="CBOR Sequence"), "okm": get(t1, "KEYSTREAM_2")},
            {"name": "trace1 K_3", "prk": get(t1, "PRK_3e2m"), "info": get(t1, "info for K_3", kind="CBOR Sequence"),
             "okm": get(t1, "K_3")},
            {"name": "trace2 IV_3", "prk": get(t2, "PRK_3e2m"), "info": get(t2, "info for IV_3", kind="CBOR Sequence"),
             "okm": get(t2, "IV_3")},
        ],
        # AES-CCM-16-64-128 (COSE alg 10): ciphertext includes the 8-byte tag.
        "aes_ccm_16_64_128": [
            {"name": "trace1 CIPHERTEXT_3", "key": get(t1, "K_3"), "nonce": get(t1, "IV_3"),
             "aad": get(t1, "A_3", kind="CBOR Data Item"), "plaintext": get(t1, "PLAINTEXT_3", kind="CBOR Sequence"),
             "ciphertext": get(t1, "CIPHERTEXT_3")},
            {"name": "trace2 CIPHERTEXT_3", "key": get(t2, "K_3"), "nonce": get(t2, "IV_3"),
             "aad": get(t2, "A_3", kind="CBOR Data Item"), "plaintext": get(t2, "PLAINTEXT_3", kind="CBOR Sequence"),
             "ciphertext": get(t2, "CIPHERTEXT_3")},
        ],
    }
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
