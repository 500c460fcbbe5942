from secretariat.roles import Role, has_role, is_staff_reader


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav_is_staff": is_staff_reader(user),
        "nav_is_liaison": has_role(user, Role.MEMBER_LIAISON),
        "nav_is_evaluator": has_role(user, Role.EVALUATOR),
        "nav_is_manufacturer": bool(
            has_role(user, Role.MANUFACTURER_REPRESENTATIVE) and user.manufacturer_id
        ),
        "nav_is_admin": user.is_staff,
    }


def notification_bell(request):
    """The unread count for the bell, counted only if a page shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from secretariat.notifications import unread_count

    return {"unread_notifications": lambda: unread_count(user)}
