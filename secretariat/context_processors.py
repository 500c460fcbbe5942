from secretariat.roles import Role, has_role, is_staff_reader


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav_is_staff": is_staff_reader(user),
        "nav_is_liaison": has_role(user, Role.MEMBER_LIAISON),
        "nav_is_admin": user.is_staff,
    }
