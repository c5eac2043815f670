"""The project's URLs with one page nobody wrote an access rule for (the walk must notice it)."""

from django.http import HttpResponse
from django.urls import path

from lanqing.urls import urlpatterns as project_urlpatterns

urlpatterns = [*project_urlpatterns, path("unruled/", lambda request: HttpResponse("data"), name="unruled")]
