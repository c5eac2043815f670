"""The one authority on access: what a user may see and what a user may do (DESIGN.md, Roles and scope).

Every view, API route, export and menu asks here, and so do the services behind them, so the pages and the API
cannot disagree. docs/access.md sets the same decisions out as a table.

Seeing. `visible(user, queryset)` keeps the rows the user may see; `get_visible` fetches one and answers Http404
for anything else, so a crafted URL cannot tell "exists but not yours" from "does not exist". Each model has a
`Rule`: how its rows reach a jurisdiction and an enterprise, and, for departments (一岗双责), which units or
enterprises a row must name. Apps above org register their models' rules in AppConfig.ready; a model without a
rule is visible to nobody (LookupError, failing closed).
- leadership, township, grid officer: their jurisdiction and everything under it;
- bureau: the jurisdiction of its unit;
- department (unit): the jurisdictions, units and ambient air and water data of its unit's jurisdiction, and
  enterprises, outlets, alerts, cases and matrix rows only where the responsibility matrix or a case names it;
- enterprise: its own file, sites, data, alerts and cases (not cases the bureau still drafts);
- superusers without a membership: everything (installation administrators); anyone else: nothing.

Doing. `may(user, action, obj)` answers from ACTIONS, one table keyed by action name; `require` raises
Forbidden (403) for a visible object the user may not act on and Http404 for one it may not see. Without an
object, `may` answers whether the role could ever take the action (menus, pages, the "new" buttons). Rules that
need facts only an upper app knows (which enterprises the matrix names for a unit, where an alert is routed)
read them through `register_fact`, so org never imports cases or alerts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404

from lanqing.org.models import Enterprise, Jurisdiction, Role, Unit
from lanqing.org.scope import membership_of, role_of, root_jurisdiction

M = TypeVar("M", bound=Model)

__all__ = ["ACTIONS", "Department", "Forbidden", "Rule", "enterprises_visible_to", "get_visible",
           "jurisdictions_visible_to", "may", "membership_of", "register_fact", "register_rule", "require",
           "role_of", "root_jurisdiction", "units_visible_to", "visible"]

# monitoring.SiteKind values of ambient monitoring (org sits below monitoring and does not import it).
AMBIENT_SITE_KINDS = ("air", "water")


class Forbidden(PermissionDenied):
    """The user sees the object but its duty does not include the action (HTTP 403)."""


# --- seeing --------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Department:
    """How a department's row must be tied to it beyond its jurisdiction; lookup paths, "" = the row itself.

    A row is shown when any tie holds: one of `units` is the department's unit; the enterprise at `enterprise`
    is one the matrix or a case names for the unit; the site at `ambient_site` is an ambient air or water site.
    """

    units: tuple[str, ...] = ()
    enterprise: str | None = None
    ambient_site: str | None = None


@dataclass(frozen=True)
class Rule:
    """How a model's rows are tied to a jurisdiction and to an enterprise (lookup paths; "" = the row).

    `department`: None lets a department see every row of its jurisdiction (divisions, units); otherwise the
    ties a row needs. `hidden_from_enterprise`: (path, value) pairs of rows an enterprise does not see yet.
    """

    jurisdiction_codes: tuple[str, ...]
    enterprise: str | None
    department: Department | None = None
    hidden_from_enterprise: tuple[tuple[str, str], ...] = ()
    # Paths to the code of an area the row covers as a whole (a county-wide warning): everyone whose ground lies
    # inside it sees the row too, not only those above it.
    covering: tuple[str, ...] = ()


_SITE = Department(enterprise="enterprise", ambient_site="")

RULES: dict[str, Rule] = {
    "org.jurisdiction": Rule(("code",), None),
    "org.unit": Rule(("jurisdiction__code",), None),
    "org.enterprise": Rule(("township__code", "village__code"), "", Department(enterprise="")),
    "monitoring.site": Rule(("jurisdiction__code",), "enterprise", _SITE),
    "monitoring.point": Rule(("site__jurisdiction__code",), "site__enterprise",
                             Department(enterprise="site__enterprise", ambient_site="site")),
    "monitoring.device": Rule(("point__site__jurisdiction__code",), "point__site__enterprise",
                              Department(enterprise="point__site__enterprise", ambient_site="point__site")),
    "monitoring.measurement": Rule(("point__site__jurisdiction__code",), "point__site__enterprise",
                                   Department(enterprise="point__site__enterprise", ambient_site="point__site")),
    "monitoring.measurementrevision": Rule(
        ("point__site__jurisdiction__code",), "point__site__enterprise",
        Department(enterprise="point__site__enterprise", ambient_site="point__site")),
    "monitoring.labupload": Rule(("enterprise__township__code", "enterprise__village__code"), "enterprise",
                                 Department(enterprise="enterprise")),
    "monitoring.labresult": Rule(("point__site__jurisdiction__code",), "point__site__enterprise",
                                 Department(enterprise="point__site__enterprise")),
    "org.dischargepermit": Rule(("enterprise__township__code", "enterprise__village__code"), "enterprise",
                                Department(enterprise="enterprise")),
    "monitoring.transmissionstat": Rule(
        ("device__point__site__jurisdiction__code",), "device__point__site__enterprise",
        Department(enterprise="device__point__site__enterprise", ambient_site="device__point__site")),
}


def register_rule(label: str, rule: Rule) -> None:
    """Apps above org (alerts, cases, complaints, ledgers…) describe their models here in AppConfig.ready."""
    RULES[label] = rule


FACTS: dict[str, Callable[..., Any]] = {}


def register_fact(name: str, answer: Callable[..., Any]) -> None:
    """An upper app answers a question about its own models that a rule here needs (see the names used below)."""
    FACTS[name] = answer


def _named_enterprise_ids(unit_id: int) -> QuerySet:
    """The ids of the enterprises the responsibility matrix or a case names for a unit (fact from cases)."""
    answer = FACTS.get("unit.named_enterprise_ids")
    return answer(unit_id) if answer else Enterprise.objects.none().values("id")


def _sees_everything(user) -> bool:
    return bool(getattr(user, "is_superuser", False) and user.is_active and membership_of(user) is None)


def _department_condition(model, rule: Rule, unit_id: int) -> Q:
    ties = rule.department
    assert ties is not None
    condition = Q(pk__in=[])
    for path in ties.units:
        # A subquery, not a join: a row naming the unit twice (lead and support) is still one row.
        condition |= Q(pk__in=model._base_manager.filter(**{f"{path}__id": unit_id}).values("pk"))
    if ties.enterprise is not None:
        field = f"{ties.enterprise}__id__in" if ties.enterprise else "id__in"
        condition |= Q(**{field: _named_enterprise_ids(unit_id)})
    if ties.ambient_site is not None:
        field = f"{ties.ambient_site}__kind__in" if ties.ambient_site else "kind__in"
        condition |= Q(**{field: AMBIENT_SITE_KINDS})
    return condition


def _condition(user, rule: Rule, model) -> Q | None:
    """The filter for the user's scope; None means no restriction; an always-false Q means nothing."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Q(pk__in=[])
    if _sees_everything(user):
        return None
    membership = membership_of(user)
    if membership is None:
        return Q(pk__in=[])
    if membership.role == Role.ENTERPRISE:
        if rule.enterprise is None or membership.enterprise_id is None:
            return Q(pk__in=[])
        field = f"{rule.enterprise}__id" if rule.enterprise else "id"
        condition = Q(**{field: membership.enterprise_id})
        for path, value in rule.hidden_from_enterprise:
            condition &= ~Q(**{path: value})
        return condition
    root = root_jurisdiction(user)
    if root is None:
        return Q(pk__in=[])
    condition = Q(pk__in=[])
    for path in rule.jurisdiction_codes:
        condition |= Q(**{f"{path}__startswith": root.prefix})
    if rule.covering:
        around = _codes_around(root)
        for path in rule.covering:
            condition |= Q(**{f"{path}__in": around})
    if membership.role == Role.UNIT and rule.department is not None:
        condition &= _department_condition(model, rule, membership.unit_id or 0)
    return condition


def _codes_around(root: Jurisdiction) -> list[str]:
    """The codes of `root` and of every division above it."""
    codes: list[str] = []
    current: Jurisdiction | None = root
    while current is not None:
        codes.append(current.code)
        current = current.parent if current.parent_id else None
    return codes


def _rule_for(model) -> Rule:
    label = model._meta.label_lower
    rule = RULES.get(label)
    if rule is None:
        raise LookupError(f"no access rule for {label}; register one with lanqing.org.access.register_rule")
    return rule


def visible(user, queryset: QuerySet[M]) -> QuerySet[M]:
    """The rows of `queryset` that `user` may see."""
    condition = _condition(user, _rule_for(queryset.model), queryset.model)
    return queryset if condition is None else queryset.filter(condition)


def get_visible(user, queryset: QuerySet[M], **lookup) -> M:
    """Fetch one object and authorise in one step: Http404 when missing or outside the user's scope."""
    try:
        return visible(user, queryset).get(**lookup)
    except (ObjectDoesNotExist, ValueError, TypeError):
        raise Http404 from None


def sees(user, obj: Model) -> bool:
    """Whether `user` may see this object (one query)."""
    return visible(user, type(obj)._base_manager.filter(pk=obj.pk)).exists()


# Named selectors so that views read plainly.
def jurisdictions_visible_to(user) -> QuerySet[Jurisdiction]:
    return visible(user, Jurisdiction.objects.all())


def enterprises_visible_to(user) -> QuerySet[Enterprise]:
    return visible(user, Enterprise.objects.select_related("industry", "township", "village"))


def units_visible_to(user) -> QuerySet[Unit]:
    return visible(user, Unit.objects.select_related("jurisdiction"))


# --- doing ---------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Actor:
    """What a rule needs to know about the user: the role and the object that bounds it."""

    role: str | None
    unit_id: int | None = None
    jurisdiction: Jurisdiction | None = None
    enterprise_id: int | None = None


def actor_of(user) -> Actor:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Actor(None)
    membership = membership_of(user)
    if membership is None:
        return Actor(role_of(user))
    return Actor(membership.role, membership.unit_id, root_jurisdiction(user), membership.enterprise_id)


GOVERNMENT = frozenset(Role.values) - {Role.ENTERPRISE}
OFFICERS = frozenset({Role.TOWNSHIP, Role.GRID_OFFICER})
UNIT_STAFF = frozenset({Role.UNIT, Role.BUREAU})


def _roles(*roles: str) -> Callable[[Actor, Any], bool]:
    allowed = frozenset(roles)
    return lambda actor, obj: actor.role in allowed


def _of_township(actor: Actor, township: Jurisdiction | None) -> bool:
    """A township or grid officer whose ground (属地) is the case's township, or a village in it."""
    root = actor.jurisdiction
    return (actor.role in OFFICERS and root is not None and township is not None
            and (root.contains(township) or township.contains(root)))


def case_lead(actor: Actor, case) -> bool:
    """The lead unit's staff; township officers when the lead unit is the township's own (乡镇牵头)."""
    if case is None:
        return actor.role in UNIT_STAFF | OFFICERS
    if case.lead_unit_id is None:
        return False
    if actor.role in UNIT_STAFF:
        return actor.unit_id == case.lead_unit_id
    return case.lead_unit.jurisdiction_id == case.township_id and _of_township(actor, case.township)


def case_handler(actor: Actor, case) -> bool:
    """Who works a dispatched case: its lead, and the officers of its township (属地)."""
    if case is None:
        return actor.role in UNIT_STAFF | OFFICERS
    return case_lead(actor, case) or _of_township(actor, case.township)


def case_supporter(actor: Actor, case) -> bool:
    if case is None:
        return actor.role in UNIT_STAFF
    return (actor.role in UNIT_STAFF and actor.unit_id is not None and actor.unit_id != case.lead_unit_id
            and case.support_units.filter(id=actor.unit_id).exists())


def case_rectifier(actor: Actor, case) -> bool:
    """The enterprise the case names as responsible for the rectification."""
    if case is None:
        return actor.role == Role.ENTERPRISE
    return actor.role == Role.ENTERPRISE and case.enterprise_id is not None and actor.enterprise_id == case.enterprise_id


def _case_submitter(actor: Actor, case) -> bool:
    # The enterprise reports as soon as the case reaches it; the handlers once the lead has accepted it.
    if case_rectifier(actor, case):
        return True
    return case_handler(actor, case) and (case is None or case.state != "dispatched")


def _alert_acknowledger(actor: Actor, alert) -> bool:
    if actor.role in (Role.BUREAU, Role.TOWNSHIP, Role.GRID_OFFICER, Role.ENTERPRISE):
        return True  # within their scope, which `may` checks first
    if actor.role != Role.UNIT:
        return False
    if alert is None:
        return True
    routed = FACTS.get("alert.routed_unit_ids")
    return routed is not None and actor.unit_id in routed(alert)


def _report_handler(actor: Actor, report) -> bool:
    return actor.role == Role.BUREAU or case_handler(actor, report.case if report is not None else None)


def _notice_acknowledger(actor: Actor, notice) -> bool:
    if actor.role != Role.ENTERPRISE:
        return False
    return notice is None or (actor.enterprise_id is not None and notice.enterprise_id == actor.enterprise_id)


def _own_outlet(actor: Actor, site) -> bool:
    return actor.role == Role.ENTERPRISE and (site is None or (actor.enterprise_id is not None
                                                               and site.enterprise_id == actor.enterprise_id))


def _mark_owner(actor: Actor, mark) -> bool:
    return _own_outlet(actor, None if mark is None else mark.site)


def keytask_reporter(actor: Actor, task) -> bool:
    """Who reports a key task's progress: staff of its lead or supporting units, officers of its townships."""
    if task is None:
        return actor.role in UNIT_STAFF | OFFICERS
    if actor.role in UNIT_STAFF:
        return actor.unit_id is not None and (
            actor.unit_id == task.lead_unit_id or task.support_units.filter(id=actor.unit_id).exists())
    return any(_of_township(actor, township) for township in task.townships.all())


def household_personal(actor: Actor, household) -> bool:
    """A household's head and ID number (personal data): the bureau and the officers of its own township."""
    if actor.role == Role.BUREAU:
        return True
    if actor.role != Role.TOWNSHIP:
        return False
    # Without a household: a township officer reads those of its township, the only ones it sees.
    return household is None or (actor.jurisdiction is not None and household.township_id == actor.jurisdiction.id)


def project_reporter(actor: Actor, project) -> bool:
    """Who reports a project's progress: its lead unit's staff and the officers of its township."""
    if project is None:
        return actor.role in UNIT_STAFF | OFFICERS
    if actor.role in UNIT_STAFF:
        return actor.unit_id is not None and actor.unit_id == project.lead_unit_id
    return project.township_id is not None and _of_township(actor, project.township)


@dataclass(frozen=True)
class Action:
    """Who may take an action, in words (docs/access.md says the same) and as a test of actor and object."""

    who: str
    test: Callable[[Actor, Any], bool]


ACTIONS: dict[str, Action] = {
    # reading whole areas (lists, exports, menus); the rows themselves are filtered by `visible`
    "jurisdiction.view": Action("government users", _roles(*GOVERNMENT)),
    "enterprise.view": Action("every role", _roles(*Role.values)),
    "site.view": Action("every role", _roles(*Role.values)),
    "case.view": Action("every role", _roles(*Role.values)),
    "alert.view": Action("every role", _roles(*Role.values)),
    "accountability.view": Action("bureau, leadership", _roles(Role.BUREAU, Role.LEADERSHIP)),
    "overview.view": Action("government users", _roles(*GOVERNMENT)),
    "report.view": Action("government users", _roles(*GOVERNMENT)),
    "report.request": Action("bureau, leadership, township and grid officers",
                             _roles(Role.BUREAU, Role.LEADERSHIP, *OFFICERS)),
    # registry and configuration
    "registry.manage": Action("bureau", _roles(Role.BUREAU)),
    "labresult.upload": Action("the enterprise, for its own outlets", _roles(Role.ENTERPRISE)),
    "matrix.view": Action("bureau", _roles(Role.BUREAU)),
    "matrix.edit": Action("bureau", _roles(Role.BUREAU)),
    "audit.view": Action("bureau", _roles(Role.BUREAU)),
    # discharge permits (排污许可证) in the enterprise's file: kept by the bureau for the enterprises it sees
    # (`may` checks the enterprise or permit is in its jurisdiction first); everyone who sees them reads them
    "permit.create": Action("bureau", _roles(Role.BUREAU)),
    "permit.change": Action("bureau", _roles(Role.BUREAU)),
    "permit.delete": Action("bureau", _roles(Role.BUREAU)),
    # alerts
    "alert.acknowledge": Action("bureau, township and grid officers, the enterprise; a department only for "
                                "alerts routed to it", _alert_acknowledger),
    "alert.open_case": Action("bureau", _roles(Role.BUREAU)),
    # cases
    "case.open": Action("bureau, township and grid officers", _roles(Role.BUREAU, *OFFICERS)),
    "case.dispatch": Action("bureau", _roles(Role.BUREAU)),
    "case.accept": Action("the lead unit (the township's officers when the township leads)", case_lead),
    "case.start": Action("the lead unit, the township's officers (属地)", case_handler),
    "case.submit": Action("the responsible enterprise once dispatched; the lead unit and the township's "
                          "officers once accepted", _case_submitter),
    "case.contribute": Action("supporting units", case_supporter),
    "case.request_extension": Action("the lead unit, the township's officers, the responsible enterprise",
                                     lambda actor, case: case_handler(actor, case) or case_rectifier(actor, case)),
    "case.decide_extension": Action("bureau", _roles(Role.BUREAU)),
    "case.urge": Action("bureau", _roles(Role.BUREAU)),
    "case.close": Action("bureau", _roles(Role.BUREAU)),
    "case.return": Action("bureau", _roles(Role.BUREAU)),
    "case.reopen": Action("bureau", _roles(Role.BUREAU)),
    "case.instruct": Action("leadership", _roles(Role.LEADERSHIP)),
    # public reports (环保举报): the report is seen like its case, never by an enterprise; the reporter's name and
    # phone only by the bureau and the case's handlers (环境保护法 Art 57: the reporter is kept confidential)
    "complaint.view": Action("government users", _roles(*GOVERNMENT)),
    "complaint.decide": Action("bureau", _roles(Role.BUREAU)),
    "complaint.reply": Action("bureau, the case's lead unit and the township's officers", _report_handler),
    "complaint.contact": Action("bureau, the case's lead unit and the township's officers", _report_handler),
    "complaint.moderate": Action("bureau", _roles(Role.BUREAU)),
    # heavy-pollution weather (冬防)
    "reduction.view": Action("government users", _roles(*GOVERNMENT)),
    "reduction.edit": Action("bureau", _roles(Role.BUREAU)),
    "warning.view": Action("every role", _roles(*Role.values)),
    "warning.issue": Action("bureau", _roles(Role.BUREAU)),
    "warning.dispatch": Action("bureau, township and grid officers", _roles(Role.BUREAU, *OFFICERS)),
    "warning.acknowledge": Action("the enterprise the notice names", _notice_acknowledger),
    # data marks of enterprises (标记): stops and maintenance set aside from exceedance judgement
    "mark.view": Action("every role", _roles(*Role.values)),
    "mark.create": Action("the enterprise, on its own outlets", _own_outlet),
    "mark.document": Action("the enterprise whose outlet is marked", _mark_owner),
    "mark.revoke": Action("bureau", _roles(Role.BUREAU)),
    "warning.inspect": Action("bureau, township and grid officers", _roles(Role.BUREAU, *OFFICERS)),
    # the year's work (key tasks)
    "keytask.view": Action("government users", _roles(*GOVERNMENT)),
    "keytask.manage": Action("bureau", _roles(Role.BUREAU)),
    "keytask.report": Action("the lead and supporting units' staff, the officers of the task's townships",
                             keytask_reporter),
    # target responsibility letters and the clean-heating ledger
    "letter.manage": Action("bureau", _roles(Role.BUREAU)),
    "heating.view": Action("government users", _roles(*GOVERNMENT)),
    "heating.manage": Action("bureau, township officers (their township's households)",
                             _roles(Role.BUREAU, Role.TOWNSHIP)),
    "household.personal": Action("bureau, the officers of the household's township", household_personal),
    # projects and funds
    "project.manage": Action("bureau", _roles(Role.BUREAU)),
    "project.report": Action("the lead unit's staff, the officers of the project's township", project_reporter),
    # soil: key supervision units and contaminated plots
    "soil.view": Action("government users; an enterprise its own listing", _roles(*Role.values)),
    "soil.manage": Action("bureau", _roles(Role.BUREAU)),
    "soil.report": Action("bureau, the listed enterprise", _roles(Role.BUREAU, Role.ENTERPRISE)),
    # scorecards (考核) of townships and units
    "scorecard.view": Action("bureau, leadership", _roles(Role.BUREAU, Role.LEADERSHIP)),
    "scorecard.edit": Action("bureau", _roles(Role.BUREAU)),
}


def _decide(user, action: str, obj: Model | None) -> str:
    rule = _rule(action)
    if obj is not None and not sees(user, obj):
        return "hidden"
    actor = actor_of(user)
    return "allowed" if actor.role is not None and rule.test(actor, obj) else "forbidden"


def _rule(action: str) -> Action:
    rule = ACTIONS.get(action)
    if rule is None:
        raise LookupError(f"no access rule for the action {action!r}; add it to lanqing.org.access.ACTIONS")
    return rule


def actions_permitted(user, actions: list[str], obj: Model) -> list[str]:
    """Those of `actions` the user may take on `obj`, with one visibility query for all (a page's buttons)."""
    rules = [(action, _rule(action)) for action in actions]
    actor = actor_of(user)
    if actor.role is None or not sees(user, obj):
        return []
    return [action for action, rule in rules if rule.test(actor, obj)]


def objects_permitted(user, action: str, objects: list[M]) -> set:
    """The primary keys of those `objects` the user may take `action` on, with one visibility query for all
    (a list's buttons)."""
    rule, actor = _rule(action), actor_of(user)
    if actor.role is None or not objects:
        return set()
    seen = set(visible(user, type(objects[0])._base_manager.filter(pk__in=[o.pk for o in objects]))
               .values_list("pk", flat=True))
    return {o.pk for o in objects if o.pk in seen and rule.test(actor, o)}


def may(user, action: str, obj: Model | None = None) -> bool:
    """Whether `user` may take `action` on `obj` (which it must see), or on some object when `obj` is None."""
    return _decide(user, action, obj) == "allowed"


def require(user, action: str, obj: Model | None = None) -> None:
    """Http404 when the user may not see `obj`, Forbidden (403) when it sees it but may not act."""
    decision = _decide(user, action, obj)
    if decision == "hidden":
        raise Http404
    if decision == "forbidden":
        raise Forbidden(action)
