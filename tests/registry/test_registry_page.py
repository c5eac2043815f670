"""The bureau's registry page: upload with a per-cell report, template, export, device passwords."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from lanqing.monitoring.models import Device, Site

pytestmark = pytest.mark.django_db


def _upload(client, data: bytes, name="registry.xlsx"):
    upload = io.BytesIO(data)
    upload.name = name
    return client.post("/registry/", {"file": upload})


def test_the_bureau_imports_a_workbook_from_the_page(cast, client_for):
    client = client_for(cast.users["bureau"])
    template = client.get("/registry/template.xlsx")
    assert template.status_code == 200
    export = client.get("/registry/export.xlsx")
    book = load_workbook(io.BytesIO(export.content))
    book["站点"].append(["AIR-02", "air", "县城第二空气站", "141025100000"])
    book["监测点"].append(["AIR-02", "1", "1#"])
    book["设备"].append(["MNAIR02", "AIR-02", "1", "2017"])
    buffer = io.BytesIO()
    book.save(buffer)
    response = _upload(client, buffer.getvalue())
    assert response.status_code == 302
    page = client.get("/registry/").content.decode()
    assert "台账工作簿已导入：新建 3 条，更新 0 条，未变 13 条。" in page
    assert Site.objects.filter(code="AIR-02").exists()
    assert not Device.objects.get(mn="MNAIR02").is_active
    assert "MNAIR02" in page  # waiting for a password
    device = Device.objects.get(mn="MNAIR02")
    assert client.post(f"/registry/devices/{device.id}/password", {"password": "pw;1"}).status_code == 302
    device.refresh_from_db()
    assert not device.is_active
    client.post(f"/registry/devices/{device.id}/password", {"password": "pw-2026"})
    device.refresh_from_db()
    assert device.is_active
    assert device.check_password("pw-2026")


def test_a_bad_workbook_is_reported_cell_by_cell_on_the_page_in_the_readers_language(cast, client_for):
    client = client_for(cast.users["bureau"])
    book = load_workbook(io.BytesIO(client.get("/registry/export.xlsx").content))
    book["站点"].append(["AIR-02", "airport", "第二空气站", "141025100000"])
    buffer = io.BytesIO()
    book.save(buffer)
    response = _upload(client, buffer.getvalue())
    assert response.status_code == 400
    page = response.content.decode()
    assert ("<tr><td><b>站点</b> · 第 5 行 · B 列 · 站点类型</td><td>&#x27;airport&#x27; 不是以下之一：环境空气质量监测站、"
            "地表水监测断面、污染源排放口</td></tr>") in page
    assert not Site.objects.filter(code="AIR-02").exists()


def test_a_bureau_cannot_register_outside_its_jurisdiction(cast, client_for):
    client = client_for(cast.users["bureau"])
    book = load_workbook(io.BytesIO(client.get("/registry/template.xlsx").content))
    book["站点"].append(["AIR-09", "air", "别县空气站", "141024000000"])
    buffer = io.BytesIO()
    book.save(buffer)
    response = _upload(client, buffer.getvalue())
    assert response.status_code == 400
    assert not Site.objects.filter(code="AIR-09").exists()


@pytest.mark.parametrize("role", ["leader", "department", "township_a", "grid_a", "enterprise_a"])
def test_the_registry_page_is_refused_to_other_roles(cast, client_for, role):
    client = client_for(cast.users[role])
    assert client.get("/registry/").status_code == 403
    assert client.get("/registry/export.xlsx").status_code == 403
    assert _upload(client, b"PK\x03\x04").status_code == 403
    device = Device.objects.get(mn="MNAIR01")
    from lanqing.org import access

    # A device the role cannot see does not exist for it (404); one it sees is refused (403).
    expected = 403 if access.sees(cast.users[role], device) else 404
    assert client.post(f"/registry/devices/{device.id}/password", {"password": "x"}).status_code == expected
