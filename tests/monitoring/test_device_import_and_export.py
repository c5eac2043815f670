"""`lanqing device import` and `lanqing packets export`, through the command line."""

from __future__ import annotations

import csv
from datetime import UTC, datetime

import pytest

from lanqing.cli import main
from lanqing.monitoring.models import Device, DeviceKey, Point, RawPacket

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(monkeypatch):
    # These tests read the command's messages in English; the command line speaks Chinese unless told.
    monkeypatch.setenv("LANQING_LANGUAGE", "en")


def _import_refused(tmp_path, capsys, text: str, *, encoding: str = "utf-8") -> str:
    """Import ``text`` as devices.csv, which must be refused at least in part (exit 1); returns stderr."""
    path = tmp_path / "devices.csv"
    path.write_text(text, encoding=encoding)
    assert main(["device", "import", str(path)]) == 1
    return capsys.readouterr().err


def test_devices_are_registered_from_csv_and_a_missing_point_is_created(cast, tmp_path, capsys):
    path = tmp_path / "devices.csv"
    path.write_text(
        "mn,password,protocol,point,logger_id\nMNNEW0001,abc123,2025,OUT-A/2,LG-7\nMNAIR01,newpw1,2017,AIR-01/1,\n",
        encoding="utf-8",
    )
    assert main(["device", "import", str(path)]) == 0
    new = Device.objects.get(mn="MNNEW0001")
    assert (new.protocol, new.point.site.code, new.point.code, new.logger_id) == (
        "2025",
        "OUT-A",
        "2",
        "LG-7",
    )
    assert new.check_password("abc123")
    assert Device.objects.get(mn="MNAIR01").check_password("newpw1")
    assert "1 devices registered, 1 updated, 1 points created" in capsys.readouterr().out


def test_every_bad_device_row_is_reported_with_line_and_column(cast, tmp_path, capsys):
    err = _import_refused(
        tmp_path,
        capsys,
        "MN,Password,Protocol,Point\n"
        ",abc,2017,OUT-A/1\n"
        "MN1,abc,2019,OUT-A/1\n"
        "MN2,,2017,OUT-A/1\n"
        "MN3,abc,2017,NOSITE/1\n"
        "MN4,abc,2017,OUT-A\n"
        "MN5,abc,2017,OUT-A/1\n"
        "MN5,abc,2017,OUT-A/1\n",
        encoding="gbk",
    )
    assert err.splitlines() == [
        "devices.csv: line 2, column mn: the MN is empty",
        "devices.csv: line 3, column protocol: '2019' is not one of 2005, 2017, 2025",
        "devices.csv: line 4, column password: the password is empty",
        "devices.csv: line 5, column point: no site has the code 'NOSITE'; register the site first",
        "devices.csv: line 6, column point: 'OUT-A' is not SITECODE/POINTCODE, e.g. OUT-A/1",
        "devices.csv: line 8, column mn: MN MN5 also appears on line 7",
    ]
    assert Device.objects.filter(mn="MN5").exists()
    assert not Device.objects.filter(mn="MN1").exists()


def test_a_file_without_the_required_columns_is_refused(cast, tmp_path, capsys):
    path = tmp_path / "devices.csv"
    path.write_text("mn,password\nX,Y\n", encoding="utf-8")
    assert main(["device", "import", str(path)]) == 2
    assert "lacks the column(s) protocol, point" in capsys.readouterr().out
    assert Point.objects.count() == 3


def test_devices_import_from_xlsx(cast, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["mn", "password", "protocol", "point"])
    book.active.append(["MNXLSX01", 123456, 2017, "AIR-01/1"])
    book.save(tmp_path / "devices.xlsx")
    assert main(["device", "import", str(tmp_path / "devices.xlsx")]) == 0
    assert Device.objects.get(mn="MNXLSX01").check_password("123456")


def test_connection_settings_are_imported_and_bad_ones_reported(cast, tmp_path, capsys):
    err = _import_refused(
        tmp_path,
        capsys,
        "mn,password,protocol,point,reply_timeout,resend_count,rtd_interval,min_interval,realtime_upload\n"
        "MNSET01,abc123,2017,OUT-A/1,10,3,60.0,5,OFF\n"
        "MNSET02,abc123,2017,OUT-A/1,10,,,,\n"
        "MNSET03,abc123,2017,OUT-A/1,,,20,,\n"
        "MNSET04,abc123,2017,OUT-A/1,,,,7,\n"
        "MNSET05,abc123,2017,OUT-A/1,,,,,maybe\n"
        "MNSET06,abc123,2017,OUT-A/1,,,,,\n",
    )
    assert err.splitlines() == [
        "devices.csv: line 3, column resend_count: the reply timeout and the resend count are set together "
        "(CN 1000)",
        "devices.csv: line 4, column rtd_interval: '20' is not a whole number from 30 to 3600",
        "devices.csv: line 5, column min_interval: '7' is not one of 1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30",
        "devices.csv: line 6, column realtime_upload: 'maybe' is not on or off",
    ]
    device = Device.objects.get(mn="MNSET01")
    assert (device.reply_timeout, device.resend_count, device.rtd_interval, device.min_interval) == (10, 3, 60, 5)
    assert device.realtime_upload == "off"
    assert device.status_upload == ""
    untouched = Device.objects.get(mn="MNSET06")
    assert (untouched.rtd_interval, untouched.realtime_upload) == (None, "")


def test_raw_packets_are_exported_for_audit_with_verdict_and_reason(cast, tmp_path):
    when = datetime(2026, 3, 1, 7, 0, 5, tzinfo=UTC)
    RawPacket.objects.create(
        received_at=when,
        peer="10.0.0.9:5000",
        mn="MNAIR01",
        data=b"##0001X\r\n",
        verdict="rejected",
        reason="crc-mismatch: bad",
    )
    RawPacket.objects.create(
        received_at=when, peer="10.0.0.8:5000", mn="MNOUTA", data=b"##good\r\n", verdict="accepted", reason=""
    )
    out = tmp_path / "audit.csv"
    assert main(["packets", "export", "--mn", "MNAIR01", "--since", "2026-03-01", "-o", str(out)]) == 0
    rows = list(csv.reader(out.open(encoding="utf-8-sig")))
    assert rows[0][:5] == ["received_at_beijing", "peer", "mn", "verdict", "reason"]
    assert rows[1][:6] == [
        "2026-03-01 15:00:05.000",
        "10.0.0.9:5000",
        "MNAIR01",
        "rejected",
        "crc-mismatch: bad",
        "9",
    ]
    assert len(rows) == 2


def test_a_bad_since_time_is_explained(cast, tmp_path, capsys):
    assert main(["packets", "export", "--since", "yesterday", "-o", str(tmp_path / "x.csv")]) == 2
    assert "--since 'yesterday'" in capsys.readouterr().err


def _admin_key_post(client, device, key: str):
    from django.contrib.auth import get_user_model

    admin_user = get_user_model().objects.create_superuser("root", password="x-very-secret-9")
    client.force_login(admin_user)
    return client.post(
        f"/admin/monitoring/device/{device.id}/change/",
        {
            "mn": device.mn,
            "protocol": "2025",
            "point": device.point_id,
            "crc_mode": "strict",
            "unit_overrides": "{}",
            "is_active": "on",
            "sm4_key": key,
        },
    )


def test_a_device_key_entered_in_the_admin_is_stored_sealed(cast, client):
    device = Device.objects.get(mn="MNOUTA")
    response = _admin_key_post(client, device, "abcdefgh12345678")
    assert response.status_code == 302, response.content[:2000]
    key = DeviceKey.objects.get(device=device)
    assert key.open() == b"abcdefgh12345678"
    assert b"abcdefgh12345678" not in bytes(key.sealed)


def test_a_key_with_characters_outside_ascii_is_refused_in_the_admin(cast, client):
    device = Device.objects.get(mn="MNOUTA")
    response = _admin_key_post(client, device, "密钥abcdefgh123456")  # 16 characters, not 16 bytes
    assert response.status_code == 200
    assert "16" in response.content.decode()
    assert not DeviceKey.objects.exists()


def test_sm4_keys_are_imported_sealed_and_an_unchanged_key_is_left_as_it_is(cast, tmp_path, capsys):
    path = tmp_path / "devices.csv"
    path.write_text(
        "mn,password,protocol,point,sm4_key\n"
        "MNNEW0001,abc123,2025,OUT-A/2,abcdefgh12345678\n"
        "MNNEW0002,abc123,2025,OUT-A/3,\n",
        encoding="utf-8",
    )
    assert main(["device", "import", str(path)]) == 0
    assert "2 devices registered, 0 updated, 2 points created, 1 keys set" in capsys.readouterr().out
    device = Device.objects.get(mn="MNNEW0001")
    [key] = DeviceKey.objects.filter(device=device)
    assert key.open() == b"abcdefgh12345678"
    assert b"abcdefgh12345678" not in bytes(key.sealed)
    assert not DeviceKey.objects.filter(device__mn="MNNEW0002").exists()
    # The same file again: the key row (and the age that drives its rotation) stays.
    assert main(["device", "import", str(path)]) == 0
    assert "0 keys set" in capsys.readouterr().out
    assert list(DeviceKey.objects.filter(device=device)) == [key]
    # A new key retires the old one, which is kept for packets encrypted with it.
    path.write_text("mn,password,protocol,point,sm4_key\nMNNEW0001,abc123,2025,OUT-A/2,ABCDEFGH87654321\n")
    assert main(["device", "import", str(path)]) == 0
    current = DeviceKey.objects.get(device=device, retired_at__isnull=True)
    assert current.open() == b"ABCDEFGH87654321"
    assert DeviceKey.objects.get(device=device, retired_at__isnull=False).open() == b"abcdefgh12345678"


def test_bad_sm4_keys_are_reported_without_being_echoed(cast, tmp_path, capsys):
    err = _import_refused(
        tmp_path,
        capsys,
        "mn,password,protocol,point,sm4_key\n"
        "MNK1,abc123,2025,OUT-A/1,short-key\n"
        "MNK2,abc123,2025,OUT-A/1,密钥abcdefgh123456\n"
        "MNK3,abc123,2017,OUT-A/1,abcdefgh12345678\n",
    )
    assert err.splitlines() == [
        "devices.csv: line 2, column sm4_key: the key is not 16 printable ASCII characters",
        "devices.csv: line 3, column sm4_key: the key is not 16 printable ASCII characters",
        "devices.csv: line 4, column sm4_key: only HJ 212-2025 devices (protocol 2025) encrypt with a key",
    ]
    assert "short-key" not in err
    assert "abcdefgh12345678" not in err
    assert not Device.objects.filter(mn__startswith="MNK").exists()
    assert not DeviceKey.objects.exists()


def test_an_imported_key_replaces_one_sealed_under_another_secret_key(cast, tmp_path, settings):
    from lanqing.monitoring.services import device_key_replace

    device = Device.objects.get(mn="MNOUTA")
    settings.SECRET_KEY = "the-secret-key-of-an-older-installation"
    device_key_replace(device_id=device.id, raw=b"abcdefgh12345678")
    settings.SECRET_KEY = "the-secret-key-of-this-installation-now"
    path = tmp_path / "devices.csv"
    path.write_text("mn,password,protocol,point,sm4_key\nMNOUTA,abc123,2025,OUT-A/1,abcdefgh12345678\n")
    assert main(["device", "import", str(path)]) == 0
    current = DeviceKey.objects.get(device=device, retired_at__isnull=True)
    assert current.open() == b"abcdefgh12345678"


def test_a_key_in_a_number_cell_of_a_spreadsheet_is_refused(cast, tmp_path, capsys):
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["mn", "password", "protocol", "point", "sm4_key"])
    book.active.append(["MNXLSX01", "abc123", 2025, "OUT-A/1", 1234567890123456])
    book.active.append(["MNXLSX02", "abc123", 2025, "OUT-A/1", "1234567890123456"])
    book.save(tmp_path / "devices.xlsx")
    assert main(["device", "import", str(tmp_path / "devices.xlsx")]) == 1
    assert capsys.readouterr().err.splitlines() == [
        "devices.xlsx: line 2, column sm4_key: the key is in a number cell, which keeps only 15 digits; "
        "enter it as text"
    ]
    assert not Device.objects.filter(mn="MNXLSX01").exists()
    assert DeviceKey.objects.get(device__mn="MNXLSX02").open() == b"1234567890123456"
