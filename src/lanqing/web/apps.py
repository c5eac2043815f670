from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

# Django's forms end every label with gettext(":"), which Django's own Chinese catalogue leaves as the ASCII
# colon; Chinese labels take the full-width one (：). Marked here so our catalogue, which wins, translates it.
LABEL_SUFFIX = gettext_noop(":")


class WebConfig(AppConfig):
    name = "lanqing.web"
    label = "web"
    verbose_name = _("Web interface")
