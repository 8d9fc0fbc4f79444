#!/usr/bin/env python3
"""Independent CCF ledger checker (test-only).

Written from CCF's documentation of its ledger format (docs "Ledger", "Python
Library", the ccf.ledger package description) and not from bankd's code, so
that a bankd ledger that passes here is a CCF ledger by an outside reading.
Its only dependency is Python's `cryptography`.

It reads the committed chunks (`ledger_<a>-<b>.committed`) of a directory,
recomputes CCF's Merkle tree (leaf 0 is 32 zero bytes; an odd last node is
promoted), and at every signature transaction checks the root it signs, the
node's ECDSA signature over that root (`public:ccf.internal.signatures`),
and the COSE_Sign1 root signature by the service key
(`public:ccf.internal.cose_signatures`). Governance envelopes
(`public:ccf.gov.cose_history`) are verified with the member certificates the
ledger records. Prints one JSON summary; exit 0 when everything verifies.
"""
import base64
import hashlib
import json
import os
import re
import struct
import sys

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, utils

SINGLETON = bytes(8)
SIG_TABLE = "public:ccf.internal.signatures"
COSE_SIG_TABLE = "public:ccf.internal.cose_signatures"


class Bad(Exception):
    pass


def sha256(b):
    return hashlib.sha256(b).digest()


# ---- CBOR, just what COSE_Sign1 needs ------------------------------------
def cbor_decode(b, i=0):
    ib = b[i]
    major, info = ib >> 5, ib & 31
    i += 1
    if info < 24:
        n = info
    elif info in (24, 25, 26, 27):
        size = 1 << (info - 24)
        n = int.from_bytes(b[i:i + size], "big")
        i += size
    else:
        raise Bad("indefinite CBOR not expected")
    if major == 0:
        return n, i
    if major == 1:
        return -1 - n, i
    if major in (2, 3):
        v = b[i:i + n]
        if len(v) != n:
            raise Bad("truncated CBOR")
        return (v if major == 2 else v.decode()), i + n
    if major == 4:
        out = []
        for _ in range(n):
            v, i = cbor_decode(b, i)
            out.append(v)
        return out, i
    if major == 5:
        out = {}
        for _ in range(n):
            k, i = cbor_decode(b, i)
            v, i = cbor_decode(b, i)
            out[k] = v
        return out, i
    if major == 6:
        v, i = cbor_decode(b, i)
        return ("tag", n, v), i
    if major == 7 and info == 22:
        return None, i
    if major == 7 and info in (20, 21):
        return info == 21, i
    raise Bad(f"CBOR major {major} not expected")


def cbor_head(major, n):
    if n < 24:
        return bytes([major << 5 | n])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if n < (1 << (8 * size)):
            return bytes([major << 5 | info]) + n.to_bytes(size, "big")


def cbor_bstr(v):
    return cbor_head(2, len(v)) + v


def verify_cose_sign1(envelope, public_key, detached_payload=None):
    """RFC 9052 COSE_Sign1 with ECDSA: returns the protected header map."""
    value, end = cbor_decode(envelope)
    if end != len(envelope):
        raise Bad("trailing bytes after COSE_Sign1")
    if isinstance(value, tuple):
        if value[1] != 18:
            raise Bad("not a COSE_Sign1 tag")
        value = value[2]
    protected, _unprotected, payload, signature = value
    header, _ = cbor_decode(protected) if protected else ({}, 0)
    if payload is None:
        payload = detached_payload
    alg = header.get(1)
    hash_alg = {-7: hashes.SHA256(), -35: hashes.SHA384(), -36: hashes.SHA512()}[alg]
    to_be_signed = (cbor_head(4, 4) + cbor_head(3, 10) + b"Signature1" + cbor_bstr(protected)
                    + cbor_bstr(b"") + cbor_bstr(payload))
    half = len(signature) // 2
    der = utils.encode_dss_signature(int.from_bytes(signature[:half], "big"),
                                     int.from_bytes(signature[half:], "big"))
    public_key.verify(der, to_be_signed, ec.ECDSA(hash_alg))
    return header


# ---- ledger framing ------------------------------------------------------
class Reader:
    def __init__(self, buf, what):
        self.b, self.i, self.what = buf, 0, what

    def take(self, n):
        if n < 0 or self.i + n > len(self.b):
            raise Bad(f"{self.what}: truncated at {self.i}")
        v = self.b[self.i:self.i + n]
        self.i += n
        return v

    def u64(self):
        return struct.unpack("<Q", self.take(8))[0]

    def blob(self):
        return self.take(self.u64())

    def done(self):
        return self.i >= len(self.b)


def parse_public_domain(pub, what):
    r = Reader(pub, what)
    entry_type = r.take(1)[0]
    seqno = struct.unpack("<q", r.take(8))[0]
    claims = commit_evidence = None
    if entry_type in (2, 4):
        claims = r.take(32)
    if entry_type in (3, 4):
        commit_evidence = r.take(32)
    if entry_type not in (0, 2, 3, 4):
        raise Bad(f"{what}: entry type {entry_type}")
    r.take(8)  # max conflict version
    tables = {}
    while not r.done():
        name = r.blob().decode()
        r.u64()  # read version
        if r.u64() != 0:
            raise Bad(f"{what}: reads in a ledger entry")
        writes = {}
        for _ in range(r.u64()):
            k = r.blob()
            writes[k] = r.blob()
        for _ in range(r.u64()):
            writes[r.blob()] = None
        tables[name] = writes
    return seqno, claims, commit_evidence, tables


def chunk_files(directory):
    out = []
    for name in os.listdir(directory):
        m = re.fullmatch(r"ledger_(\d+)-(\d+)\.committed", name)
        if m:
            out.append((int(m.group(1)), int(m.group(2)), os.path.join(directory, name)))
    return sorted(out)


def transactions(directory):
    expected = 1
    for first, last, path in chunk_files(directory):
        data = open(path, "rb").read()
        if first != expected:
            raise Bad(f"{path}: starts at {first}, expected {expected}")
        table_at = struct.unpack("<Q", data[:8])[0]
        if not 8 <= table_at <= len(data) or (len(data) - table_at) % 4:
            raise Bad(f"{path}: bad table-of-positions offset")
        positions = list(struct.unpack(f"<{(len(data) - table_at) // 4}I", data[table_at:]))
        if len(positions) != last - first + 1:
            raise Bad(f"{path}: {len(positions)} positions for {last - first + 1} transactions")
        pos = 8
        for index, at in enumerate(positions):
            if at != pos:
                raise Bad(f"{path}: position {index} is {at}, entry at {pos}")
            size = int.from_bytes(data[pos + 2:pos + 8], "little")
            raw = data[pos:pos + 8 + size]
            if len(raw) != 8 + size or pos + 8 + size > table_at:
                raise Bad(f"{path}: entry at {pos} runs past the entries")
            r = Reader(raw[8:], f"{path}@{pos}")
            r.take(16)  # GCM tag
            iv = r.take(12)
            seqno = struct.unpack("<Q", iv[:8])[0]
            view = struct.unpack("<I", iv[8:])[0] & 0x7FFFFFFF
            public = r.blob()
            if seqno != expected:
                raise Bad(f"{path}@{pos}: seqno {seqno}, expected {expected}")
            pd_seqno, claims, ce, tables = parse_public_domain(public, f"{path}@{pos}")
            if pd_seqno != seqno:
                raise Bad(f"{path}@{pos}: public domain says seqno {pd_seqno}")
            yield path, pos, view, seqno, raw, claims, ce, tables
            pos += 8 + size
            expected += 1
        if pos != table_at:
            raise Bad(f"{path}: entries end at {pos}, table at {table_at}")


def merkle_root(leaves):
    level = list(leaves)
    while len(level) > 1:
        nxt = [sha256(level[i] + level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0]


def load_cert(pem):
    return x509.load_pem_x509_certificate(pem.encode() if isinstance(pem, str) else pem)


def spki(cert):
    return cert.public_key().public_bytes(serialization.Encoding.DER,
                                          serialization.PublicFormat.SubjectPublicKeyInfo)


def check(directory):
    leaves = [bytes(32)]
    state = {}  # (table, key) -> value, for the tables the checks need
    figures = {"transactions": 0, "signatures": 0, "cose_signatures": 0,
               "governance_envelopes": 0, "last": None}
    service_certs = set()
    for path, pos, view, seqno, raw, claims, ce, tables in transactions(directory):
        where = f"{os.path.basename(path)} offset {pos} txid {view}.{seqno}"
        # governance envelopes, with the member certificate recorded so far
        for member_id, envelope in tables.get("public:ccf.gov.cose_history", {}).items():
            if envelope is None:
                continue
            cert_pem = state.get(("public:ccf.gov.members.certs", member_id)) or \
                tables.get("public:ccf.gov.members.certs", {}).get(member_id)
            if cert_pem is None:
                raise Bad(f"{where}: envelope by unknown member {member_id!r}")
            try:
                verify_cose_sign1(base64.b64decode(json.loads(envelope)),
                                  load_cert(cert_pem).public_key())
            except (InvalidSignature, Bad, KeyError, ValueError) as e:
                raise Bad(f"{where}: governance envelope does not verify ({e!r})")
            figures["governance_envelopes"] += 1
        for table in ("public:ccf.gov.members.certs", "public:ccf.gov.nodes.endorsed_certificates",
                      "public:ccf.gov.nodes.info", "public:ccf.gov.service.info"):
            for k, v in tables.get(table, {}).items():
                state[(table, k)] = v
        service_info = state.get(("public:ccf.gov.service.info", SINGLETON))
        service_cert = load_cert(json.loads(service_info)["cert"]) if service_info else None
        if service_cert is not None:
            service_certs.add(service_cert.fingerprint(hashes.SHA256()))

        root = merkle_root(leaves)
        raw_sig = tables.get(SIG_TABLE, {}).get(SINGLETON)
        if raw_sig is not None:
            sig = json.loads(raw_sig)
            if (sig["view"], sig["seqno"]) != (view, seqno):
                raise Bad(f"{where}: signature names {sig['view']}.{sig['seqno']}")
            if bytes.fromhex(sig["root"]) != root:
                raise Bad(f"{where}: signed root {sig['root']} is not the recomputed {root.hex()}")
            node_id = sig["node"].encode()
            recorded = state.get(("public:ccf.gov.nodes.endorsed_certificates", node_id))
            if recorded is None:
                info = state.get(("public:ccf.gov.nodes.info", node_id))
                recorded = json.loads(info).get("cert") if info else None
            if recorded is None:
                raise Bad(f"{where}: no certificate recorded for node {sig['node']}")
            node_cert = load_cert(recorded)
            if "cert" in sig and spki(load_cert(sig["cert"])) != spki(node_cert):
                raise Bad(f"{where}: embedded certificate is not the recorded one")
            if hashlib.sha256(spki(node_cert)).hexdigest() != sig["node"]:
                raise Bad(f"{where}: node id is not the hash of its key")
            try:
                node_cert.public_key().verify(base64.b64decode(sig["sig"]), root,
                                              ec.ECDSA(utils.Prehashed(hashes.SHA256())))
            except InvalidSignature:
                raise Bad(f"{where}: node signature does not verify")
            figures["signatures"] += 1
        cose_sig = tables.get(COSE_SIG_TABLE, {}).get(SINGLETON)
        if cose_sig is not None:
            if service_cert is None:
                raise Bad(f"{where}: COSE signature before any service certificate")
            try:
                header = verify_cose_sign1(base64.b64decode(json.loads(cose_sig)),
                                           service_cert.public_key(), root)
            except (InvalidSignature, Bad, KeyError, ValueError) as e:
                raise Bad(f"{where}: COSE root signature does not verify ({e!r})")
            txid = header.get("ccf.v1", {}).get("txid")
            if txid != f"{view}.{seqno}":
                raise Bad(f"{where}: COSE signature names txid {txid}")
            figures["cose_signatures"] += 1

        write_set_digest = sha256(raw)
        if ce is None:
            leaf = write_set_digest
        elif claims is None:
            leaf = sha256(write_set_digest + ce)
        else:
            leaf = sha256(write_set_digest + ce + claims)
        leaves.append(leaf)
        figures["transactions"] += 1
        figures["last"] = f"{view}.{seqno}"
    figures["service_certificates"] = len(service_certs)
    return figures


def main():
    if len(sys.argv) != 2:
        print("usage: ccf_ledger_check.py LEDGER_DIR", file=sys.stderr)
        return 2
    try:
        figures = check(sys.argv[1])
    except (Bad, OSError, ValueError, KeyError, struct.error) as e:
        print(json.dumps({"verified": False, "error": str(e)}))
        return 1
    if figures["transactions"] == 0:
        print(json.dumps({"verified": False, "error": "no committed chunk"}))
        return 1
    figures["verified"] = True
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
