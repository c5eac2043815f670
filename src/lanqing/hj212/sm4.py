"""HJ 212-2025 §6.4.2 / Annex A.2: SM4-ECB encryption of the CP area with a per-device 16-byte key.

Whole 16-byte groups of the CP text are encrypted; a final group shorter than 16 bytes stays plaintext.
The annex writes the ciphertext as text, ``{0xE4,0x3E,…}``, followed by that plaintext tail. The CRC (and
the length field, in both official examples) are those of the plaintext packet: build and CRC first, then
encrypt ("先完成CRC校验并组包，再对数据段加密").
"""

from __future__ import annotations

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from lanqing.hj212.codes import UNVERIFIED

BLOCK = 16
PREFIX: bytes = UNVERIFIED["encrypted_cp_prefix"]


class Sm4Error(ValueError):
    pass


def _cipher(key: bytes) -> Cipher:
    if len(key) != BLOCK:
        raise Sm4Error(f"SM4 key must be 16 bytes, got {len(key)}")
    return Cipher(algorithms.SM4(bytes(key)), modes.ECB())


def is_encrypted(cp_area: bytes) -> bool:
    return cp_area.startswith(PREFIX)


def encrypt_cp(plain: bytes, key: bytes) -> bytes:
    """Wire form of a CP area: ``{0xHH,…}`` for the whole blocks, then the plaintext tail."""
    whole = len(plain) - len(plain) % BLOCK
    if not whole:
        return plain
    encryptor = _cipher(key).encryptor()
    cipher = encryptor.update(plain[:whole]) + encryptor.finalize()
    return b"{" + b",".join(b"0x%02X" % byte for byte in cipher) + b"}" + plain[whole:]


def decrypt_cp(wire: bytes, key: bytes) -> bytes:
    """Plaintext CP area from its wire form; raises Sm4Error on a malformed list or a bad key length."""
    close = wire.find(b"}")
    if not wire.startswith(b"{") or close == -1:
        raise Sm4Error("encrypted CP is not of the form {0xHH,...}")
    items = wire[1:close].split(b",")
    try:
        cipher = bytes(int(item, 16) for item in items)
    except ValueError:
        raise Sm4Error("encrypted CP has an item that is not a hex byte") from None
    if not cipher or len(cipher) % BLOCK:
        raise Sm4Error(f"ciphertext of {len(cipher)} bytes is not a whole number of 16-byte blocks")
    decryptor = _cipher(key).decryptor()
    return decryptor.update(cipher) + decryptor.finalize() + wire[close + 1 :]
