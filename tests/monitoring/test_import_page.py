"""The bureau's upload page: the file is kept as received, the worker imports it, the page shows the outcome."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from lanqing.jobs.services import worker_pass
from lanqing.monitoring.models import Measurement, MeasurementImport

GOOD_AND_BAD = (b"site,factor,time,value\n"
                b"AIR-01,a34004,2026-01-05 08:00,75\n"
                b"AIR-01,a34004,2026-01-05 09:00,oops\n")


def upload(client, content, name="data.csv"):
    return client.post(reverse("monitoring:imports"), {"file": SimpleUploadedFile(name, content)})


def test_bureau_upload_is_queued_then_imported_by_the_worker(cast, client_for):
    client = client_for(cast.users["bureau"])
    response = upload(client, GOOD_AND_BAD)
    record = MeasurementImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("monitoring:import", args=[record.id])
    assert bytes(record.content) == GOOD_AND_BAD
    assert record.status == "queued"
    assert worker_pass(worker="test") == 2  # the import, then the judgement of the hourly value it stored
    record.refresh_from_db()
    assert (record.status, record.rows_written, record.rows_rejected) == ("done", 1, 1)
    assert Measurement.objects.count() == 1
    page = client.get(reverse("monitoring:import", args=[record.id])).content.decode()
    assert "oops" in page


def test_other_roles_cannot_use_the_upload_page(cast, client_for):
    for who in ("leader", "township_a", "enterprise_a", "department"):
        client = client_for(cast.users[who])
        assert client.get(reverse("monitoring:imports")).status_code == 403
        assert upload(client, GOOD_AND_BAD).status_code == 403
    assert MeasurementImport.objects.count() == 0


def test_an_oversized_upload_is_refused_with_a_message(cast, client_for, settings):
    settings.UPLOAD_MAX_BYTES = 10
    client = client_for(cast.users["bureau"])
    response = upload(client, GOOD_AND_BAD)
    assert response.status_code == 302
    assert MeasurementImport.objects.count() == 0
    page = client.get(reverse("monitoring:imports")).content.decode()
    assert "MB" in page


def test_another_users_import_answers_404(cast, client_for):
    from django.contrib.auth import get_user_model

    client = client_for(cast.users["bureau"])
    upload(client, GOOD_AND_BAD)
    record = MeasurementImport.objects.get()
    colleague = get_user_model().objects.create_user("colleague", password="x" * 12)
    from lanqing.org.models import Membership

    Membership.objects.create(user=colleague, role="bureau", unit=cast.bureau_unit)
    other = client_for(colleague)
    assert other.get(reverse("monitoring:import", args=[record.id])).status_code == 404


def test_import_errors_can_be_exported_to_excel(cast, client_for):
    import io

    from openpyxl import load_workbook

    client = client_for(cast.users["bureau"])
    upload(client, GOOD_AND_BAD)
    worker_pass(worker="test")
    record = MeasurementImport.objects.get()
    response = client.get(reverse("monitoring:import", args=[record.id]), {"export": "xlsx"})
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[1][:2] == (3, "value")


def test_why_a_file_failed_is_shown_in_the_readers_language(cast, client_for, settings):
    client = client_for(cast.users["bureau"])
    upload(client, b"site,factor\nAIR-01,a34004\n")
    worker_pass(worker="test")
    record = MeasurementImport.objects.get()
    assert record.status == "failed"
    url = reverse("monitoring:import", args=[record.id])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "missing column(s): time, value" in client.get(url).content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    page = client.get(url).content.decode()
    assert "missing column" not in page
    assert "time, value" in page
