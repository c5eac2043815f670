"""A household saved or deleted one at a time (the admin, a script, a test) counts again in its village's
tally, and in the village it left; bulk writers (the import, the demo) call heating_tally_refresh themselves."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from lanqing.yearwork.heating import heating_tally_refresh
from lanqing.yearwork.models import Household


@receiver(pre_save, sender=Household, dispatch_uid="yearwork.household_tally_before")
def _remember_village(sender: type, instance: Household, **kwargs: Any) -> None:
    before = Household.objects.filter(pk=instance.pk).values_list("village_id", flat=True).first() \
        if instance.pk else None
    instance._tally_left = before if before != instance.village_id else None  # type: ignore[attr-defined]


@receiver(post_save, sender=Household, dispatch_uid="yearwork.household_tally_saved")
def _count_saved(sender: type, instance: Household, raw: bool = False, **kwargs: Any) -> None:
    left = getattr(instance, "_tally_left", None)
    heating_tally_refresh(village_ids=[instance.village_id, *([left] if left else [])])


@receiver(post_delete, sender=Household, dispatch_uid="yearwork.household_tally_deleted")
def _count_deleted(sender: type, instance: Household, **kwargs: Any) -> None:
    heating_tally_refresh(village_ids=[instance.village_id])
