"""The admin of people and the security log."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from secretariat.accounts.models import SecurityEvent, User
from secretariat.kernel.admin import ReadOnlyAdmin
from secretariat.kernel.roles import Role


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = [
        "username", "email", "full_name", "member_state", "is_active", "roles",
        "last_login",
    ]  # fmt: skip
    list_filter = ["is_active", "is_staff", "groups", "member_state"]
    search_fields = ["username", "email", "first_name", "last_name"]
    list_select_related = ["member_state"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (
            _("Coalition"),
            {"fields": ("member_state", "manufacturer", "language", "time_zone")},
        ),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    def has_delete_permission(self, request, obj=None):
        # People are deactivated, never deleted: their names stay on the records
        # they acted on, and the delete page's list of related objects would
        # show a representative's sealed bids.
        return False

    @admin.display(description=_("name"), ordering="last_name")
    def full_name(self, obj):
        return obj.get_full_name()

    @admin.display(description=_("roles"))
    def roles(self, obj):
        labels = dict(Role.choices)
        return ", ".join(
            str(labels.get(group.name, group.name)) for group in obj.groups.all()
        )


@admin.register(SecurityEvent)
class SecurityEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "kind", "username", "user", "ip_address", "path"]
    list_filter = ["kind"]
    search_fields = ["username", "ip_address"]
    date_hierarchy = "at"
    list_select_related = ["user"]
    fields = [
        "at",
        "kind",
        "user",
        "username",
        "ip_address",
        "user_agent",
        "path",
        "detail",
    ]
    readonly_fields = fields
