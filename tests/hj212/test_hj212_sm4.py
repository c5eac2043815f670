"""HJ 212-2025 Annex A.2: the official plain and encrypted packets decode to the same values."""

from __future__ import annotations

from datetime import datetime

import pytest

from lanqing.hj212 import DataUpload, Peer, Reason, Version, build_data
from lanqing.hj212.sm4 import decrypt_cp, encrypt_cp
from tests.hj212.samples import parse_one

KEY = b"0" * 16  # the annex: "密钥使用16个0x30"
HEAD = b"QN=20240520210700000;ST=31;CN=2051;PW=123456;MN=010000A8900016F000169DC0;Flag=9;CP=&&"

PLAIN_2 = (
    b"##0295"
    + HEAD
    + b"DataTime=20240520210600;a01011-Min=1.35,a01011-Avg=1.35,a01011-Max=1.35,a01011-Flag=N;"
    b"a01012-Min=9.3,a01012-Avg=9.3,a01012-Max=9.3,a01012-Flag=N;"
    b"a01014-Min=3.20,a01014-Avg=3.211,a01014-Max=3.212,a01014-Flag=N&&2200\r\n"
)
CIPHER_2 = bytes.fromhex(
    "E43E159ACFAB242CB53155FB8B9281A1A242577ABFAED881BE88B72D69FC55ED1A80119FAAC8B3CD33D285CC76F57F2CA7F88B95"
    "73C6647E0F07E24609BD6B63EB20C5B9784F28E71D2F4994FF61D9E1C2B3075592B4D1E09C4D8BB27BE97B559E3DA6643781A6F4"
    "77769DEEB009B10DFFF3426922725D607DC4480F0CAC5F70DB2587B124BCB281592721D6E4BC180A97E5E111499CBE822E31C8D7"
    "761553543AA24207C290997BBDE64F9266BC5F529A172E381C1D898CA1A0D771A914A7B2D7467C70B94F1D4A7B0350A48DBF8B41"
)
PLAIN_4 = (
    b"##0234"
    + HEAD
    + b"DataTime=20240520210600;a01011-Min=1.35,a01011-Avg=1.35,a01011-Max=1.35,a01011-Flag=N;"
    b"a01014-Min=3.20,a01014-Avg=3.20,a01014-Max=3.20,a01014-Flag=N&&B541\r\n"
)
CIPHER_4 = bytes.fromhex(
    "E43E159ACFAB242CB53155FB8B9281A1A242577ABFAED881BE88B72D69FC55ED1A80119FAAC8B3CD33D285CC76F57F2CA7F88B95"
    "73C6647E0F07E24609BD6B63EB20C5B9784F28E71D2F4994FF61D9E13B391A1D2A454B65388D5D9435DBF021528C7BF9755EF165"
    "18710C0CAC0ADEF9C5156CD0A5A17674AC0ED2ABC40023E9EF70128554B82438E91ADCE98A0D03A4"
)


def wire(cipher: bytes, tail: bytes, length: bytes, crc: bytes) -> bytes:
    listed = b",".join(b"0x%02X" % byte for byte in cipher)
    return b"##" + length + HEAD + b"{" + listed + b"}" + tail + b"&&" + crc + b"\r\n"


ENCRYPTED_2 = wire(CIPHER_2, b"", b"0295", b"2200")
ENCRYPTED_4 = wire(CIPHER_4, b"g=N", b"0234", b"B541")


def test_the_encrypted_annex_packets_are_as_long_as_the_standard_says():
    assert len(ENCRYPTED_2) - 12 == 1128
    assert len(CIPHER_4) == 144


@pytest.mark.parametrize(("plain", "encrypted"), [(PLAIN_2, ENCRYPTED_2), (PLAIN_4, ENCRYPTED_4)])
def test_plain_and_encrypted_annex_packets_decode_to_the_same_values(plain, encrypted):
    clear = parse_one(plain)
    secret = parse_one(encrypted, key=KEY)
    assert isinstance(clear, DataUpload)
    assert isinstance(secret, DataUpload)
    assert secret.encrypted
    assert not clear.encrypted
    assert secret.version is Version.V2025
    assert list(secret.measurements()) == list(clear.measurements())
    assert secret.cp_text == clear.cp_text


def test_an_annex_value_reads_as_sent():
    packet = parse_one(ENCRYPTED_2, key=KEY)
    humidity = next(m for m in packet.measurements() if m.code == "a01014")
    assert (humidity.minimum, humidity.value, humidity.maximum) == (3.20, 3.211, 3.212)
    assert humidity.data_time == datetime(2024, 5, 20, 21, 6)


def test_encrypting_the_annex_plaintext_reproduces_the_official_ciphertext_and_tail():
    region = PLAIN_4[6 + len(HEAD) : -8]
    assert len(region) == 147
    assert encrypt_cp(region, KEY) == ENCRYPTED_4[6 + len(HEAD) : -8]
    assert decrypt_cp(ENCRYPTED_4[6 + len(HEAD) : -8], KEY) == region


def test_building_the_annex_packet_with_the_key_gives_the_official_encrypted_frame():
    peer = Peer("010000A8900016F000169DC0", "123456", "31", Version.V2025, KEY)
    factors = {
        "a01011": {"Min": "1.35", "Avg": "1.35", "Max": "1.35", "Flag": "N"},
        "a01012": {"Min": "9.3", "Avg": "9.3", "Max": "9.3", "Flag": "N"},
        "a01014": {"Min": "3.20", "Avg": "3.211", "Max": "3.212", "Flag": "N"},
    }
    built = build_data(peer, "2051", datetime(2024, 5, 20, 21, 6), factors, qn="20240520210700000")
    assert built == ENCRYPTED_2


def test_an_encrypted_packet_without_a_key_is_rejected_with_its_header():
    rejection = parse_one(ENCRYPTED_2)
    assert rejection.reason is Reason.NO_KEY
    assert rejection.header.mn == "010000A8900016F000169DC0"


def test_the_wrong_key_is_a_rejection_not_an_exception():
    rejection = parse_one(ENCRYPTED_2, key=b"1" * 16)
    assert rejection.reason in (Reason.DECRYPT_FAILED, Reason.CRC_MISMATCH)


def test_a_key_of_the_wrong_size_is_a_rejection():
    assert parse_one(ENCRYPTED_2, key=b"short").reason is Reason.DECRYPT_FAILED


def test_a_broken_cipher_list_is_a_rejection():
    broken = ENCRYPTED_4.replace(b"0xE4,", b"0xZZ,", 1)
    assert parse_one(broken, key=KEY).reason is Reason.DECRYPT_FAILED


def test_a_tampered_ciphertext_fails_the_crc_over_the_plaintext():
    tampered = ENCRYPTED_2.replace(b"0x3E,0x15", b"0x3E,0x16", 1)
    assert parse_one(tampered, key=KEY).reason in (Reason.CRC_MISMATCH, Reason.DECRYPT_FAILED)


def test_an_encrypted_packet_split_across_reads_and_stuck_to_a_plain_one_frames_on_crlf():
    from lanqing.hj212 import Framer

    stream = ENCRYPTED_4 + PLAIN_2 + ENCRYPTED_2
    framer = Framer()
    frames = []
    for start in range(0, len(stream), 97):
        frames += framer.feed(stream[start : start + 97])
    assert [frame.raw for frame in frames] == [ENCRYPTED_4, PLAIN_2, ENCRYPTED_2]
