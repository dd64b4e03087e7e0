#!/usr/bin/env python3
"""Independent reference for the CBKE known-answer test (tests/cbke_kat.rs).

Plain Python integers for GF(2^m) polynomials and for scalars; affine
double-and-add; AES from the `cryptography` package for AES-MMO. Shares no
code with the Rust implementation. It follows the same reading of SE
07-5356 Annex C (ECQV e = MMO(cert); ECMQV with cofactor, SEC 1 §3.4;
KDF = MMO(Z||00000001) || MMO(Z||00000002); MACU/MACV = HMAC-MMO over
02/03 || IDs || ephemeral keys), so it checks the arithmetic and the
encodings, not that reading.

Suite 2 uses the one Certicom suite 2 device on both sides (same static
key pair for U and V, which ECMQV allows).

Run: python3 cbke_reference.py
"""
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

CURVES = {
    1: dict(m=163, f=(1 << 163) | 0xC9, a=1, h=2,
            n=0x04000000000000000000020108A2E0CC0D99F8A5EF,
            gx=0x02FE13C0537BBC11ACAA07D793DE4E6D5E5C94EEE8,
            gy=0x0289070FB05D38FF58321F2E800536D538CCDAA3D9),
    2: dict(m=283, f=(1 << 283) | (1 << 12) | (1 << 7) | (1 << 5) | 1, a=0, h=4,
            n=0x01FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFE9AE2ED07577265DFF7F94451E061E163C61,
            gx=0x0503213F78CA44883F1A3B8162F188E553CD265F23C1567A16876913B0C2AC2458492836,
            gy=0x01CCDA380F1C9E318D90F95D07E5426FE87E45C0E8184698E45962364E34116177DD2259),
}


def aes(key, block):
    e = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    return e.update(block) + e.finalize()


def mmo(msg):
    bits = len(msg) * 8
    p = msg + b"\x80"
    while len(p) % 16 != 14:
        p += b"\x00"
    p += bits.to_bytes(2, "big")
    h = bytes(16)
    for i in range(0, len(p), 16):
        blk = p[i:i + 16]
        h = bytes(x ^ y for x, y in zip(aes(h, blk), blk))
    return h


def hmac_mmo(key, msg):
    return mmo(bytes(k ^ 0x5C for k in key) + mmo(bytes(k ^ 0x36 for k in key) + msg))


class Curve:
    def __init__(self, c):
        self.__dict__.update(c)
        self.nbytes = (self.m + 7) // 8

    def mul(self, x, y):
        r = 0
        while y:
            if y & 1:
                r ^= x
            y >>= 1
            x <<= 1
        for i in range(r.bit_length() - 1, self.m - 1, -1):
            if (r >> i) & 1:
                r ^= self.f << (i - self.m)
        return r

    def inv(self, x):
        # x^(2^m - 2) by square-and-multiply
        r, e = 1, (1 << self.m) - 2
        while e:
            if e & 1:
                r = self.mul(r, x)
            x = self.mul(x, x)
            e >>= 1
        return r

    def add(self, p, q):
        if p is None:
            return q
        if q is None:
            return p
        (x1, y1), (x2, y2) = p, q
        if x1 == x2:
            if y1 ^ y2 == x1 or x1 == 0 and y1 != y2:
                return None
            if x1 == 0:
                return None
            lam = x1 ^ self.mul(y1, self.inv(x1))
            x3 = self.mul(lam, lam) ^ lam ^ self.a
            return x3, self.mul(x1, x1) ^ self.mul(lam ^ 1, x3)
        lam = self.mul(y1 ^ y2, self.inv(x1 ^ x2))
        x3 = self.mul(lam, lam) ^ lam ^ x1 ^ x2 ^ self.a
        return x3, self.mul(lam, x1 ^ x3) ^ x3 ^ y1

    def smul(self, k, p):
        r = None
        for i in range(k.bit_length() - 1, -1, -1):
            r = self.add(r, r)
            if (k >> i) & 1:
                r = self.add(r, p)
        return r

    def compress(self, p):
        x, y = p
        ybit = self.mul(y, self.inv(x)) & 1 if x else 0
        return bytes([2 | ybit]) + x.to_bytes(self.nbytes, "big")

    def decompress(self, b):
        x = int.from_bytes(b[1:], "big")
        beta = x ^ self.a ^ self.inv(self.mul(x, x))
        z, t = beta, beta
        for _ in range((self.m - 1) // 2):
            t = self.mul(t, t)
            t = self.mul(t, t)
            z ^= t
        if (z & 1) != (b[0] & 1):
            z ^= 1
        p = (x, self.mul(x, z))
        assert self.on_curve(p)
        return p

    def on_curve(self, p):
        x, y = p
        return self.mul(y, y) ^ self.mul(x, y) == self.mul(self.mul(x, x), x) ^ self.mul(self.a, self.mul(x, x)) ^ 1

    def avf(self, p):
        half = (self.n.bit_length() + 1) // 2
        return (p[0] % (1 << half)) + (1 << half)


def cbke(suite, ca_pub, cert_u, d_u, cert_v, d_v, r_u, r_v, subj_at):
    c = Curve(CURVES[suite])
    g = (c.gx, c.gy)
    qca = c.decompress(ca_pub)
    plen = 1 + c.nbytes

    def recon(cert):
        at = 0 if suite == 1 else 37
        e = int.from_bytes(mmo(cert), "big") % c.n
        return c.add(c.smul(e, c.decompress(cert[at:at + plen])), qca)

    qu, qv = recon(cert_u), recon(cert_v)
    assert c.smul(d_u, g) == qu and c.smul(d_v, g) == qv
    eu, ev = c.smul(r_u, g), c.smul(r_v, g)
    s = (r_u + c.avf(eu) * d_u) % c.n
    pt = c.smul(c.h * s, c.add(ev, c.smul(c.avf(ev), qv)))
    z = pt[0].to_bytes(c.nbytes, "big")
    s2 = (r_v + c.avf(ev) * d_v) % c.n
    assert c.smul(c.h * s2, c.add(eu, c.smul(c.avf(eu), qu)))[0] == pt[0]
    mac_key = mmo(z + (1).to_bytes(4, "big"))
    key_data = mmo(z + (2).to_bytes(4, "big"))
    idu, idv = cert_u[subj_at:subj_at + 8], cert_v[subj_at:subj_at + 8]
    qeu, qev = c.compress(eu), c.compress(ev)
    macu = hmac_mmo(mac_key, b"\x02" + idu + idv + qeu + qev)
    macv = hmac_mmo(mac_key, b"\x03" + idv + idu + qev + qeu)
    for k, v in [("QEU", qeu), ("QEV", qev), ("Z", z), ("MacKey", mac_key), ("KeyData", key_data), ("MACU", macu), ("MACV", macv)]:
        print(f"suite {suite} {k} = {v.hex()}")


if __name__ == "__main__":
    h = bytes.fromhex
    n1 = CURVES[1]["n"]
    cbke(1, h("0200fde8a7f3d1084224962a4e7c54e69ac3f04da6b8"),
         h("02020882b1d7df05538f37cdd09a4f6b15368998642b002208000000000154455354534543410109108301234567890a"),
         0x0392ba4afc2453a49eebe9bca8de73210f02479a4a,
         h("0200caa15b4beede65c3139a5c3bc40c9ad153854a270022a300001731f354455354534543410109108301234567890a"),
         0x019fcc486fc46980ab4a612725b36f005edff075fe,
         int.from_bytes(bytes([0x31]) * 21, "big") % n1, int.from_bytes(bytes([0x32]) * 21, "big") % n1, 22)
    n2 = CURVES[2]["n"]
    cert2 = h("000b3ad5a312ab75d60d081112131415161718005b7ed230ffffffff0022080000000001080205bb3d1d1576197ff9ab6563915019a130437adb0ee7915432dc4a09c97dc595c5856800")
    d2 = 0x00997097b87684f62f555173c47be89935fbf6440ae292492b54c5829a0d541f4d26e254
    cbke(2, h("0207a445022d9f39f49bdc38380026a27a9e0a1799313ab28c5c1a1c6b605154db1dff6752"),
         cert2, d2, cert2, d2,
         int.from_bytes(bytes([0x31]) * 36, "big") % n2, int.from_bytes(bytes([0x32]) * 36, "big") % n2, 28)
