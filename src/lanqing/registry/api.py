"""JSON API for writing the registry: the workbook's rows as JSON, single-record changes, device passwords.

Only users who may manage the registry (the bureau) write, and only within their jurisdiction: anyone else
gets 403, and a record outside the caller's scope answers 404 as if it did not exist. Rows are held to exactly
the workbook's checks; a refused request writes nothing and lists every bad cell.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from ninja import Body, Router, Schema, Status
from ninja.errors import HttpError

from lanqing.org.requests import ApiRequest
from lanqing.registry.services import (
    RecordRefused,
    RegistryImport,
    device_password_set,
    registry_record_update,
    registry_rows_import,
)
from lanqing.texts import render

router = Router(tags=["registry"])


class RowsIn(Schema):
    """Rows of each sheet, keyed by column key (see the workbook template); any sheet may be left out."""

    units: list[dict[str, Any]] = []
    enterprises: list[dict[str, Any]] = []
    sites: list[dict[str, Any]] = []
    points: list[dict[str, Any]] = []
    devices: list[dict[str, Any]] = []


class CountsOut(Schema):
    created: int
    updated: int
    unchanged: int


class ImportOut(Schema):
    counts: dict[str, CountsOut]
    keys_set: int
    devices_without_password: int


class CellErrorOut(Schema):
    sheet: str
    row: int
    column: str
    reason: str


class RefusedOut(Schema):
    detail: str
    errors: list[CellErrorOut]


class PasswordIn(Schema):
    password: str


class MessageOut(Schema):
    detail: str


def _answer(result: RegistryImport) -> Status:
    if result.errors:
        return Status(400, RefusedOut(detail="Nothing was written: every bad cell is listed.", errors=[
            CellErrorOut(sheet=e.sheet or "", row=e.row, column=e.header or e.column, reason=render(e.reason))
            for e in result.errors]))
    return Status(200, ImportOut(
        counts={key: CountsOut(created=c.created, updated=c.updated, unchanged=c.unchanged)
                for key, c in result.counts.items()},
        keys_set=result.keys_set, devices_without_password=result.passwords_missing))


RESPONSES = {200: ImportOut, 400: RefusedOut, 403: MessageOut, 404: MessageOut}


@router.post("/rows", response=RESPONSES)
def import_rows(request: ApiRequest, rows: RowsIn) -> Status:
    """Creates or updates records from rows in the workbook's layout; checked as a whole, all or nothing."""
    try:
        return _answer(registry_rows_import(rows=rows.model_dump(), user=request.auth))
    except PermissionDenied:
        raise HttpError(403, "Only the environment bureau maintains the registry.") from None


def _update(request: ApiRequest, sheet: str, record_id: int, changes: dict[str, Any]) -> Status:
    try:
        return _answer(registry_record_update(user=request.auth, sheet=sheet, record_id=record_id,
                                              changes=changes))
    except PermissionDenied:
        raise HttpError(403, "Only the environment bureau maintains the registry.") from None


@router.patch("/enterprises/{enterprise_id}", response=RESPONSES)
def update_enterprise(request: ApiRequest, enterprise_id: int, changes: Body[dict[str, Any]]) -> Status:
    """Changes the given columns of an enterprise (keys as in the workbook's Enterprises sheet)."""
    return _update(request, "enterprises", enterprise_id, changes)


@router.patch("/sites/{site_id}", response=RESPONSES)
def update_site(request: ApiRequest, site_id: int, changes: Body[dict[str, Any]]) -> Status:
    """Changes the given columns of a site (keys as in the workbook's Sites sheet)."""
    return _update(request, "sites", site_id, changes)


@router.patch("/devices/{device_id}", response=RESPONSES)
def update_device(request: ApiRequest, device_id: int, changes: Body[dict[str, Any]]) -> Status:
    """Changes the given columns of a device (keys as in the workbook's Devices sheet)."""
    return _update(request, "devices", device_id, changes)


@router.put("/devices/{device_id}/password", response={204: None, 400: MessageOut, 403: MessageOut,
                                                        404: MessageOut})
def set_device_password(request: ApiRequest, device_id: int, body: PasswordIn) -> Status:
    """Sets a device's access password; a device registered without one is enabled."""
    try:
        device_password_set(user=request.auth, device_id=device_id, password=body.password)
    except PermissionDenied:
        raise HttpError(403, "Only the environment bureau maintains the registry.") from None
    except RecordRefused as refused:
        return Status(400, MessageOut(detail=render(refused.reason)))
    return Status(204, None)

