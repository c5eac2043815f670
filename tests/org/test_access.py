"""The authority's own edges: unknown actions, deactivated users, menus that follow the action table."""

import pytest
from django.urls import reverse

from lanqing.org import access


def test_an_action_without_a_rule_is_refused_loudly(cast):
    with pytest.raises(LookupError):
        access.may(cast.users["bureau"], "case.teleport")


def test_a_deactivated_user_may_do_nothing_whatever_its_membership(cast):
    bureau = cast.users["bureau"]
    assert access.may(bureau, "matrix.edit")
    bureau.is_active = False
    bureau.save()
    assert not access.may(bureau, "matrix.edit")
    assert access.enterprises_visible_to(bureau).count() == 0


def test_menus_offer_only_what_the_role_may_open(cast, client_for):
    page = client_for(cast.users["enterprise_a"]).get(reverse("home")).content.decode()
    assert reverse("cases:inbox") in page
    for name in ("org:jurisdictions", "cases:matrix", "cases:queue", "monitoring:imports", "cases:accountability"):
        assert f'href="{reverse(name)}"' not in page, name
    page = client_for(cast.users["bureau"]).get(reverse("home")).content.decode()
    for name in ("org:jurisdictions", "cases:matrix", "cases:queue", "monitoring:imports", "cases:accountability"):
        assert f'href="{reverse(name)}"' in page, name
