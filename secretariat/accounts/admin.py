"""The admin of people and the security log."""

from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _

from secretariat.accounts import grants
from secretariat.accounts.models import RoleGrant, SecurityEvent, User
from secretariat.kernel import policy, signals
from secretariat.kernel.admin import ReadOnlyAdmin, run_service_action
from secretariat.kernel.exceptions import ApplicationError
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

    # Superusers are made by ``manage.py createsuperuser`` only, and
    # permissions come with roles: no page widens them.
    readonly_fields = ["is_superuser", "user_permissions"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    def save_related(self, request, form, formsets, change):
        """Roles change through the services only: a removed role goes at once,
        a sensitive one added waits for a second administrator."""
        person = form.instance
        if "groups" not in form.cleaned_data:
            return super().save_related(request, form, formsets, change)
        wanted = {group.name for group in form.cleaned_data["groups"]}
        held = set(person.groups.values_list("name", flat=True)) if change else set()
        form.cleaned_data["groups"] = Group.objects.filter(name__in=held)
        super().save_related(request, form, formsets, change)
        labels = dict(Role.choices)
        for name in sorted(held - wanted):
            self._call(
                request,
                lambda name=name: grants.role_remove(
                    user=person, role=name, actor=request.user, request=request
                ),
            )
        for name in sorted(wanted - held):
            grant = self._call(
                request,
                lambda name=name: grants.role_grant_request(
                    user=person, role=name, actor=request.user, request=request
                ),
            )
            if grant:
                self.message_user(
                    request,
                    gettext(
                        "The role %(role)s for %(person)s takes effect when a "
                        "second administrator confirms it."
                    )
                    % {"role": labels.get(name, name), "person": person},
                    messages.WARNING,
                )

    def _call(self, request, service):
        try:
            return service()
        except (ApplicationError, PermissionDenied) as exc:
            if isinstance(exc, PermissionDenied):
                signals.permission_denied.send(sender=None, request=request, exc=exc)
            self.message_user(
                request, getattr(exc, "message", str(exc)), messages.ERROR
            )
            return None

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


@admin.register(RoleGrant)
class RoleGrantAdmin(ReadOnlyAdmin):
    """Sensitive roles waiting for a second administrator, and those decided."""

    list_display = [
        "requested_at", "user", "role", "status", "requested_by", "decided_by",
        "decided_at",
    ]  # fmt: skip
    list_filter = ["status", "role"]
    search_fields = ["user__username", "user__email"]
    list_select_related = ["user", "requested_by", "decided_by"]
    actions = ["confirm", "refuse"]
    fields = list_display
    readonly_fields = fields

    def get_list_display(self, request):
        """With what the policy says of each grant for the person looking."""

        @admin.display(description=_("you"))
        def your_decision(grant):
            decision = policy.decide("role_grant.confirm", request.user, grant)
            if decision.allowed:
                return gettext("May confirm")
            return "" if decision.hidden else decision.reason

        return [*self.list_display, your_decision]

    def has_confirm_permission(self, request):
        return policy.may("role_grant.confirm", request.user)

    def has_refuse_permission(self, request):
        return policy.may("role_grant.refuse", request.user)

    @admin.action(description=_("Confirm the selected grants"), permissions=["confirm"])
    def confirm(self, request, queryset):
        run_service_action(
            self,
            request,
            queryset,
            lambda grant: grants.role_grant_confirm(
                grant=grant, actor=request.user, request=request
            ),
            ngettext_lazy(
                "%(count)d role grant confirmed.",
                "%(count)d role grants confirmed.",
                "count",
            ),
        )

    @admin.action(description=_("Refuse the selected grants"), permissions=["refuse"])
    def refuse(self, request, queryset):
        run_service_action(
            self,
            request,
            queryset,
            lambda grant: grants.role_grant_refuse(
                grant=grant, actor=request.user, request=request
            ),
            ngettext_lazy(
                "%(count)d role grant refused.",
                "%(count)d role grants refused.",
                "count",
            ),
        )


# Roles are Django groups made in code by a migration; their permissions are
# not widened through the web either.
admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(ReadOnlyAdmin, BaseGroupAdmin):
    pass
