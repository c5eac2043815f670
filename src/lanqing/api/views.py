"""Read API (v1). Every endpoint asks lanqing.org.access, exactly as the pages do."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from ninja import NinjaAPI, Query, Schema
from ninja.errors import HttpError
from ninja.pagination import LimitOffsetPagination, paginate

from lanqing.alerts.api import router as alerts_router
from lanqing.api.auth import SessionAuth, TokenAuth
from lanqing.api.schemas import (
    EnterpriseOut,
    ErrorOut,
    JurisdictionOut,
    LabResultOut,
    MarkOut,
    MeasurementOut,
    RevisionOut,
    SiteOut,
)
from lanqing.cases.api import router as cases_router
from lanqing.monitoring.models import (
    DataMark,
    LabResult,
    MarkState,
    Measurement,
    MeasurementRevision,
    Period,
    Site,
)
from lanqing.monitoring.selectors import site_for_user, sites_visible_to
from lanqing.org import access
from lanqing.org.models import Enterprise
from lanqing.org.requests import ApiRequest
from lanqing.registry.api import router as registry_router
from lanqing.ui.pagination import MappedRows
from lanqing.winter.api import router as winter_router
from lanqing.yearwork.api import router as yearwork_router

api = NinjaAPI(title="lanqing API", version="1", urls_namespace="api",
               auth=[TokenAuth(), SessionAuth()], docs_decorator=login_required,
               description="Read access to the registry and measurements, within the caller's scope.")

MAX_SERIES_DAYS = 366
# The largest page the newer lists give at once (limit above it is cut to it); a client pages with offset.
MAX_PAGE = 500
# Times outside these cannot be data of ours, and near year 1 or 9999 the database's time zone conversion fails.
EARLIEST_TIME = datetime(2000, 1, 1, tzinfo=UTC)
LATEST_TIME = datetime(2100, 1, 1, tzinfo=UTC)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"detail": "Not found."}, status=404)


@api.exception_handler(PermissionDenied)
def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(request, {"detail": "Your role may not do this."}, status=403)


@api.get("/jurisdictions", response=list[JurisdictionOut], tags=["organisation"])
@paginate(LimitOffsetPagination)
def list_jurisdictions(request: ApiRequest) -> MappedRows:
    access.require(request.auth, "jurisdiction.view")
    return MappedRows(access.jurisdictions_visible_to(request.auth).select_related("parent"),
                      lambda j: JurisdictionOut(code=j.code, name=j.name, level=j.level,
                                                parent_code=j.parent.code if j.parent else None))


def _enterprise_out(e: Enterprise) -> EnterpriseOut:
    return EnterpriseOut(
        id=e.id, credit_code=e.credit_code, name=e.name, industry_code=e.industry.code, industry=e.industry.name,
        township_code=e.township.code, township=e.township.name,
        village_code=e.village.code if e.village else None, village=e.village.name if e.village else None,
        address=e.address, longitude=e.longitude, latitude=e.latitude, status=e.status)


@api.get("/enterprises", response=list[EnterpriseOut], tags=["organisation"])
@paginate(LimitOffsetPagination)
def list_enterprises(request: ApiRequest) -> MappedRows:
    access.require(request.auth, "enterprise.view")
    return MappedRows(access.enterprises_visible_to(request.auth).order_by("id"), _enterprise_out)


@api.get("/enterprises/{enterprise_id}", response={200: EnterpriseOut, 404: ErrorOut}, tags=["organisation"])
def get_enterprise(request: ApiRequest, enterprise_id: int) -> EnterpriseOut:
    return _enterprise_out(access.get_visible(request.auth, access.enterprises_visible_to(request.auth),
                                             id=enterprise_id))


def _site_out(s: Site) -> SiteOut:
    return SiteOut(id=s.id, kind=s.kind, code=s.code, name=s.name, jurisdiction_code=s.jurisdiction.code,
                   enterprise_id=s.enterprise_id, longitude=s.longitude, latitude=s.latitude,
                   target_class=s.target_class, limit_set=s.limit_set)


@api.get("/sites", response=list[SiteOut], tags=["monitoring"])
@paginate(LimitOffsetPagination)
def list_sites(request: ApiRequest, kind: str | None = None) -> MappedRows:
    access.require(request.auth, "site.view")
    sites = sites_visible_to(request.auth).order_by("id")
    if kind:
        sites = sites.filter(kind=kind)
    return MappedRows(sites, _site_out)


@api.get("/sites/{site_id}", response={200: SiteOut, 404: ErrorOut}, tags=["monitoring"])
def get_site(request: ApiRequest, site_id: int) -> SiteOut:
    return _site_out(site_for_user(request.auth, site_id))


class SeriesQuery(Schema):
    factor: str
    period: str = Period.HOUR
    start: datetime | None = None
    end: datetime | None = None


@api.get("/sites/{site_id}/measurements", response={200: list[MeasurementOut], 400: ErrorOut, 404: ErrorOut},
         tags=["monitoring"])
def site_measurements(request: ApiRequest, site_id: int, query: Query[SeriesQuery]) -> list[MeasurementOut]:
    """Values of one factor at a site, oldest first; times are interval starts (ISO 8601, UTC offset given)."""
    site = site_for_user(request.auth, site_id)
    if query.period not in Period.values:
        raise HttpError(400, f"period must be one of {', '.join(Period.values)}")
    end = query.end or timezone.now()
    start = query.start or end - timedelta(days=7)
    if timezone.is_naive(start) or timezone.is_naive(end):
        raise HttpError(400, "start and end need a time zone offset, e.g. 2026-03-01T00:00:00+08:00")
    if not (EARLIEST_TIME <= start <= LATEST_TIME and EARLIEST_TIME <= end <= LATEST_TIME):
        raise HttpError(400, "start and end must lie between 2000-01-01 and 2100-01-01")
    if start >= end or end - start > timedelta(days=MAX_SERIES_DAYS):
        raise HttpError(400, f"start must be before end, at most {MAX_SERIES_DAYS} days apart")
    rows = access.visible(request.auth, Measurement.objects.filter(
        point__site=site, factor__code=query.factor, period=query.period, time__gte=start, time__lt=end,
    )).select_related("point", "factor").order_by("time")
    return [MeasurementOut(point=m.point.code, factor=m.factor.code, period=m.period, time=m.time,
                                value=m.value, flag=m.flag, revised=m.revised) for m in rows]


@api.get("/sites/{site_id}/revisions", response={200: list[RevisionOut], 404: ErrorOut}, tags=["monitoring"])
@paginate(LimitOffsetPagination)
def site_revisions(request: ApiRequest, site_id: int) -> MappedRows:
    """Values devices sent for an hour or day already stored with other values, newest first."""
    site = site_for_user(request.auth, site_id)
    rows = access.visible(request.auth, MeasurementRevision.objects.filter(point__site=site))
    return MappedRows(rows.select_related("point", "factor").order_by("-received_at", "-id"),
                      lambda r: RevisionOut(point=r.point.code, factor=r.factor.code, period=r.period, time=r.time,
                                            value=r.value, flag=r.flag, received_at=r.received_at,
                                            raw_packet_id=r.raw_packet_id))


def _mark_out(m: DataMark) -> MarkOut:
    return MarkOut(id=m.id, site_id=m.site_id, site_code=m.site.code, enterprise_id=m.site.enterprise_id,
                   device_mn=m.device.mn if m.device else None, kind=m.kind, state=m.state, starts_at=m.starts_at,
                   ends_at=m.ends_at, document_due=m.document_due, has_document=bool(m.document))


def _marks_for(user: User) -> QuerySet[DataMark]:
    return access.visible(user, DataMark.objects.select_related("site", "device"))


@api.get("/marks", response={200: list[MarkOut], 400: ErrorOut}, tags=["monitoring"])
@paginate(LimitOffsetPagination, max_limit=MAX_PAGE)
def list_marks(request: ApiRequest, site: int | None = None, enterprise: int | None = None,
               state: str | None = None) -> MappedRows:
    """Enterprises' data marks (停产, 停运, 维护) within the caller's scope, latest start first; an id outside it
    matches nothing."""
    access.require(request.auth, "mark.view")
    rows = _marks_for(request.auth)
    if state:
        if state not in MarkState.values:
            raise HttpError(400, f"state must be one of {', '.join(MarkState.values)}")
        rows = rows.filter(state=state)
    if site is not None:
        rows = rows.filter(site_id=site)
    if enterprise is not None:
        rows = rows.filter(site__enterprise_id=enterprise)
    return MappedRows(rows.order_by("-starts_at", "-id"), _mark_out)


@api.get("/marks/{mark_id}", response={200: MarkOut, 404: ErrorOut}, tags=["monitoring"])
def get_mark(request: ApiRequest, mark_id: int) -> MarkOut:
    return _mark_out(access.get_visible(request.auth, _marks_for(request.auth), id=mark_id))


@api.get("/lab-results", response=list[LabResultOut], tags=["monitoring"])
@paginate(LimitOffsetPagination, max_limit=MAX_PAGE)
def list_lab_results(request: ApiRequest, site: int | None = None) -> MappedRows:
    """Enterprises' self-monitoring lab results within the caller's scope, latest sample first."""
    access.require(request.auth, "enterprise.view")
    rows = access.visible(request.auth, LabResult.objects.select_related("point__site", "factor", "upload")
                          .defer("upload__content"))  # the uploaded file stays in the database
    if site is not None:
        rows = rows.filter(point__site_id=site)
    return MappedRows(rows.order_by("-sampled_at", "-id"),
                      lambda r: LabResultOut(id=r.id, site_id=r.point.site_id, site_code=r.point.site.code,
                                             point=r.point.code, factor=r.factor.code, sampled_at=r.sampled_at,
                                             value=r.value, unit=r.unit, lab=r.lab, report_number=r.report_number,
                                             upload_id=r.upload_id, uploaded_at=r.upload.uploaded_at))


# Routers of the supervision apps (their services ask lanqing.org.access before any write).
api.add_router("/cases", cases_router)
api.add_router("/alerts", alerts_router)
api.add_router("/registry", registry_router)
api.add_router("/yearwork", yearwork_router)
api.add_router("/winter", winter_router)
