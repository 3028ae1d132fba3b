#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Independent cross-check for tests/vectors/rfc9529-oscore/oscore_parameters.json.
# RFC 9529 publishes the OSCORE Master Secret, Master Salt and Sender IDs of
# traces 1 and 2 but not the keys derived from them. This script derives the
# RFC 8613 §3.2.1 Sender Key, Recipient Key and Common IV with nothing but the
# Python standard library (hmac, hashlib) and a hand-written CBOR encoding of
# the `info` array, so the values it prints do not depend on hush's own CBOR
# encoder, HKDF port or context code. Run: python3 derive_oscore_context.py
# It also checks the "computed" OSCORE values in ../rfc9529/trace{1,2}.json.
import hashlib
import hmac
import json
import os


def hkdf(salt: bytes, ikm: bytes, info: bytes, length: int) -> bytes:
    prk = hmac.new(salt if salt else b"\x00" * 32, ikm, hashlib.sha256).digest()
    return hmac.new(prk, info + b"\x01", hashlib.sha256).digest()[:length]


def info(ident: bytes, alg: int, kind: str, length: int) -> bytes:
    assert len(ident) < 24 and 0 <= alg < 24
    return (bytes([0x85, 0x40 + len(ident)]) + ident + b"\xf6" + bytes([alg]) +
            bytes([0x60 + len(kind)]) + kind.encode() + bytes([length]))


here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "oscore_parameters.json")) as f:
    doc = json.load(f)
for t in doc["traces"]:
    secret = bytes.fromhex(t["master_secret"])
    salt = bytes.fromhex(t["master_salt"])
    client = bytes.fromhex(t["client_sender_id"])
    server = bytes.fromhex(t["server_sender_id"])
    alg = t["aead_alg"]
    print(t["name"])
    print("  client_sender_key", hkdf(salt, secret, info(client, alg, "Key", 16), 16).hex())
    print("  server_sender_key", hkdf(salt, secret, info(server, alg, "Key", 16), 16).hex())
    print("  common_iv        ", hkdf(salt, secret, info(b"", alg, "IV", 13), 13).hex())

# The same derivation checks the "computed" OSCORE values that
# tests/vectors/rfc9529/trace{1,2}.json carry for hush-trace (the initiator's
# context: Sender ID C_R = client_sender_id, Recipient ID C_I).
for t in doc["traces"]:
    with open(os.path.join(here, "..", "rfc9529", t["name"] + ".json")) as f:
        trace = json.load(f)
    exp, comp = trace["expected"], trace["computed"]
    secret = bytes.fromhex(exp["oscore_master_secret"])
    salt = bytes.fromhex(exp["oscore_master_salt"])
    alg = exp["application_aead_algorithm"]
    want = {
        "oscore_initiator_sender_key": hkdf(salt, secret, info(bytes.fromhex(exp["oscore_client_sender_id"]), alg,
                                                              "Key", 16), 16),
        "oscore_initiator_recipient_key": hkdf(salt, secret, info(bytes.fromhex(exp["oscore_server_sender_id"]), alg,
                                                                 "Key", 16), 16),
        "oscore_common_iv": hkdf(salt, secret, info(b"", alg, "IV", 13), 13),
    }
    bad = [k for k, v in want.items() if comp[k] != v.hex()]
    print(t["name"] + ".json computed:", "ok" if not bad else "MISMATCH " + ", ".join(bad))
