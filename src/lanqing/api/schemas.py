from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from ninja import Schema


class JurisdictionOut(Schema):
    code: str
    name: str
    level: str
    parent_code: str | None


class EnterpriseOut(Schema):
    id: int
    credit_code: str
    name: str
    industry_code: str
    industry: str
    township_code: str
    township: str
    village_code: str | None
    village: str | None
    address: str
    longitude: Decimal | None
    latitude: Decimal | None
    status: str


class SiteOut(Schema):
    id: int
    kind: str
    code: str
    name: str
    jurisdiction_code: str
    enterprise_id: int | None
    longitude: Decimal | None
    latitude: Decimal | None
    target_class: int | None
    limit_set: str


class MeasurementOut(Schema):
    point: str
    factor: str
    period: str
    time: datetime
    value: float | None
    flag: str
    # A device later sent other values for this hour or day; they are listed by /sites/{id}/revisions.
    revised: bool = False


class RevisionOut(Schema):
    """Values sent for an hour or day after other values were stored; the stored ones stay."""

    point: str
    factor: str
    period: str
    time: datetime
    value: float | None
    flag: str
    received_at: datetime
    raw_packet_id: int | None


class ErrorOut(Schema):
    detail: str


class MarkOut(Schema):
    """An enterprise's data mark (标记); the document itself is read on the mark's page, never here."""

    id: int
    site_id: int
    site_code: str
    enterprise_id: int | None
    # Empty: the mark covers the whole outlet.
    device_mn: str | None
    kind: str
    state: str
    starts_at: datetime
    ends_at: datetime
    # The moment the mark reverts if it has no document by then (the start of the day after the last day).
    document_due: datetime
    has_document: bool


class LabResultOut(Schema):
    """A self-monitoring lab result as its report states it."""

    id: int
    site_id: int
    site_code: str
    point: str
    factor: str
    sampled_at: datetime
    value: float
    unit: str
    lab: str
    report_number: str
    upload_id: int
    uploaded_at: datetime
