"""Template filters naming what a site is judged against, for pages that list sites (an enterprise's outlets)."""

from __future__ import annotations

from django import template

from lanqing.monitoring.limits import StandardLabel, standard_label

register = template.Library()


@register.filter
def standard_of_site(site) -> StandardLabel | None:
    """The emission standard of an outlet by name and number, in the reader's language."""
    return standard_label(site)
