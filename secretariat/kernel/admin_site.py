"""The Django admin's site, with the one rule every admin page keeps: no list may
filter, search, sort or count through a sealed model.

A bid's existence is sealed until its tender is opened, and an admin list that
could be filtered through a relation to bids (manufacturers "having a bid", a
tender's lots "having bid number N") would tell, by its count or its facet
counts, who bid and how many bids there are. So the site wraps every ModelAdmin
registered on it (ours and the libraries') in ``SealedLookupsMixin``: a lookup
path that crosses a relation into a sealed model is refused (400, as Django
refuses any lookup it does not allow), and a list filter, search field, date
hierarchy or ordering declared through one fails the system checks. The app that
owns a sealed model declares it with ``seal_admin_lookups``; its own admin may
list it (already limited to what may be seen) by its own fields.

This module is loaded with the app registry (``AdminConfig`` below is in
INSTALLED_APPS), so it imports no models.
"""

from django.apps import apps
from django.contrib import admin
from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig
from django.contrib.admin.filters import SimpleListFilter
from django.core import checks
from django.core.exceptions import FieldDoesNotExist
from django.db.models.constants import LOOKUP_SEP
from django.utils.translation import gettext_lazy as _

_sealed_models: set = set()


def seal_admin_lookups(*models) -> None:
    """No admin lookup may reach these models through a relation."""
    _sealed_models.update(models)


def sealed_model_on_path(model, path: str):
    """The sealed model a lookup path from ``model`` reaches through a relation
    (``"bids__isnull"`` from a manufacturer, ``"lots__bids__id"`` from a tender),
    or None. The model itself does not count: its own fields are its admin's."""
    for part in path.split(LOOKUP_SEP):
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return None  # a lookup or transform (isnull, exact, year...)
        if not field.is_relation or field.related_model is None:
            return None  # a local field (or a generic relation, not queryable)
        model = field.related_model
        if model in _sealed_models:
            return model
    return None


class SealedLookupsMixin:
    """Refuses every admin lookup that reaches a sealed model, and reports at
    start-up any declared filter, search, date hierarchy or ordering that does."""

    def lookup_allowed(self, lookup, value, request=None):
        if sealed_model_on_path(self.model, lookup) is not None:
            return False
        return super().lookup_allowed(lookup, value, request)

    def check(self, **kwargs):
        return [*super().check(**kwargs), *self._check_sealed_paths()]

    def _declared_paths(self):
        for item in self.list_filter or ():
            if isinstance(item, type) and issubclass(item, SimpleListFilter):
                continue
            yield "list_filter", item[0] if isinstance(item, list | tuple) else item
        for item in self.search_fields or ():
            yield "search_fields", item.lstrip("^=@")
        if self.date_hierarchy:
            yield "date_hierarchy", self.date_hierarchy
        for item in self.ordering or ():
            if isinstance(item, str):
                yield "ordering", item.lstrip("-?")
        for item in self.list_display or ():
            column = item if callable(item) else getattr(self, item, None)
            if column is None:
                column = getattr(self.model, item, None)
            order_field = getattr(column, "admin_order_field", None)
            if isinstance(order_field, str):
                yield "list_display", order_field.lstrip("-")

    def _check_sealed_paths(self):
        errors = []
        for attribute, path in self._declared_paths():
            if not isinstance(path, str):
                continue
            sealed = sealed_model_on_path(self.model, path)
            if sealed is not None:
                errors.append(
                    checks.Error(
                        f"{attribute} reaches {sealed._meta.label} through "
                        f"'{path}': its rows are sealed from other admin lists.",
                        hint="Filter, search and sort by the model's own fields.",
                        obj=self.__class__,
                        id="secretariat.E010",
                    )
                )
        return errors


def with_sealed_lookups(admin_class):
    """The ModelAdmin class, made to keep the seal (unchanged if it does)."""
    if issubclass(admin_class, SealedLookupsMixin):
        return admin_class
    return type(
        admin_class.__name__,
        (SealedLookupsMixin, admin_class),
        {
            "__module__": admin_class.__module__,
            "__qualname__": admin_class.__qualname__,
        },
    )


class SecretariatAdminSite(admin.AdminSite):
    """The default admin site: every ModelAdmin registered keeps the seal."""

    def register(self, model_or_iterable, admin_class=None, **options):
        admin_class = with_sealed_lookups(admin_class or admin.ModelAdmin)
        super().register(model_or_iterable, admin_class, **options)


# The libraries' apps under names people know them by, instead of their labels
# ("Otp_Totp"), wherever the admin names an app (index, breadcrumbs, titles).
HUMAN_APP_NAMES = {
    "otp_totp": _("Two-factor authentication"),
    "axes": _("Sign-in lockouts"),
    "knox": _("API tokens"),
}


class AdminConfig(DjangoAdminConfig):
    default_site = "secretariat.kernel.admin_site.SecretariatAdminSite"

    def ready(self):
        super().ready()
        for label, name in HUMAN_APP_NAMES.items():
            config = apps.app_configs.get(label)
            if config is not None:
                config.verbose_name = name
