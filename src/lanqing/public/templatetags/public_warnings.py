from django import template

from lanqing.public.warnings import warnings_in_force

register = template.Library()


@register.simple_tag
def public_warnings() -> list:
    """The heavy-pollution warnings in force, strongest first (an empty list on most days)."""
    return warnings_in_force()
