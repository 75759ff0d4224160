from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

NON_NEGATIVE = [MinValueValidator(Decimal("0"))]


def money_field(verbose_name, **kwargs):
    """An amount in 万元 (or 万美元 where the name says so): Decimal, never a float."""
    kwargs.setdefault("max_digits", 14)
    kwargs.setdefault("decimal_places", 2)
    kwargs.setdefault("null", True)
    kwargs.setdefault("blank", True)
    kwargs.setdefault("validators", NON_NEGATIVE)
    return models.DecimalField(verbose_name, **kwargs)


def area_field(verbose_name, **kwargs):
    """An area in 亩 (1 公顷 = 15 亩)."""
    kwargs.setdefault("max_digits", 12)
    kwargs.setdefault("decimal_places", 2)
    kwargs.setdefault("null", True)
    kwargs.setdefault("blank", True)
    kwargs.setdefault("validators", NON_NEGATIVE)
    return models.DecimalField(verbose_name, **kwargs)


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True


class VersionedModel(TimeStampedModel):
    """Carries a version number so that an update made from a stale copy can be refused."""

    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)

    class Meta:
        abstract = True
