"""`lanqing device import` and `lanqing packets export`, through the command line."""

from __future__ import annotations

import csv
from datetime import UTC, datetime

import pytest

from lanqing.cli import main
from lanqing.monitoring.models import Device, Point, RawPacket

pytestmark = pytest.mark.django_db


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
    path = tmp_path / "devices.csv"
    path.write_text(
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
    assert main(["device", "import", str(path)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "devices.csv: line 2, column mn: the MN is empty",
        "devices.csv: line 3, column protocol: '2019' is not one of 2005, 2017, 2025",
        "devices.csv: line 4, column password: the password is empty",
        "devices.csv: line 5, column point: no site has the code 'NOSITE'; register the site first",
        "devices.csv: line 6, column point: 'OUT-A' is not SITECODE/POINTCODE, e.g. OUT-A/1",
        "devices.csv: line 8, column mn: MN MN5 also appears on line 7",
    ]
    assert Device.objects.filter(mn="MN5").exists() and not Device.objects.filter(mn="MN1").exists()


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
    path = tmp_path / "devices.csv"
    path.write_text(
        "mn,password,protocol,point,reply_timeout,resend_count,rtd_interval,min_interval,realtime_upload\n"
        "MNSET01,abc123,2017,OUT-A/1,10,3,60.0,5,OFF\n"
        "MNSET02,abc123,2017,OUT-A/1,10,,,,\n"
        "MNSET03,abc123,2017,OUT-A/1,,,20,,\n"
        "MNSET04,abc123,2017,OUT-A/1,,,,7,\n"
        "MNSET05,abc123,2017,OUT-A/1,,,,,maybe\n"
        "MNSET06,abc123,2017,OUT-A/1,,,,,\n",
        encoding="utf-8",
    )
    assert main(["device", "import", str(path)]) == 1
    assert capsys.readouterr().err.splitlines() == [
        "devices.csv: line 3, column resend_count: the reply timeout and the resend count are set together "
        "(CN 1000)",
        "devices.csv: line 4, column rtd_interval: '20' is not a whole number from 30 to 3600",
        "devices.csv: line 5, column min_interval: '7' is not one of 1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30",
        "devices.csv: line 6, column realtime_upload: 'maybe' is not on or off",
    ]
    device = Device.objects.get(mn="MNSET01")
    assert (device.reply_timeout, device.resend_count, device.rtd_interval, device.min_interval) == (10, 3, 60, 5)
    assert device.realtime_upload == "off" and device.status_upload == ""
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


def test_a_device_key_entered_in_the_admin_is_stored_sealed(cast, client):
    from django.contrib.auth import get_user_model

    from lanqing.monitoring.models import DeviceKey

    admin_user = get_user_model().objects.create_superuser("root", password="x-very-secret-9")
    client.force_login(admin_user)
    device = Device.objects.get(mn="MNOUTA")
    response = client.post(
        f"/admin/monitoring/device/{device.id}/change/",
        {
            "mn": "MNOUTA",
            "protocol": "2025",
            "point": device.point_id,
            "crc_mode": "strict",
            "unit_overrides": "{}",
            "is_active": "on",
            "sm4_key": "abcdefgh12345678",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    key = DeviceKey.objects.get(device=device)
    assert key.open() == b"abcdefgh12345678" and b"abcdefgh12345678" not in bytes(key.sealed)
