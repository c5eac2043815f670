"""What the public is told while a warning is in force: for each level, the health advice and what people are
asked to do. The measures follow the kinds of Shanxi's and Linfen's heavy-pollution plans (健康防护措施 and
倡议性污染减排措施), in our own words; the public site shows them beside the warning."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from lanqing.winter.models import Level


@dataclass(frozen=True)
class PublicAdvice:
    health: str | Promise
    asked: str | Promise


PUBLIC_ADVICE = {
    Level.YELLOW: PublicAdvice(
        health=_("Children, the elderly and people with heart or lung disease should stay indoors as much as they "
                 "can; everyone should cut down outdoor activity and heavy exertion."),
        asked=_("Please take the bus, walk or cycle rather than drive, let no engine idle, burn no straw, rubbish "
                "or leaves in the open, and set off no fireworks."),
    ),
    Level.ORANGE: PublicAdvice(
        health=_("Children, the elderly and people with heart or lung disease should stay indoors and avoid going "
                 "out; everyone should avoid outdoor activity and wear a protective mask outside. Schools and "
                 "kindergartens stop outdoor sports and activities."),
        asked=_("Please leave the car at home and travel by bus or on foot, burn nothing in the open, set off no "
                "fireworks, grill nothing outdoors, and use less paint and solvents at home."),
    ),
    Level.RED: PublicAdvice(
        health=_("Children, the elderly and people with heart or lung disease should stay indoors; everyone should "
                 "stop outdoor activity and wear a protective mask when they must go out. Schools and "
                 "kindergartens may stop classes as the education authority directs."),
        asked=_("Please make only the trips you must and make them by bus or on foot, burn nothing in the open, "
                "set off no fireworks, grill nothing outdoors, save electricity and heat, and report smoke, dust "
                "or burning to 12369."),
    ),
}
