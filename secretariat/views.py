from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from secretariat import selectors
from secretariat.exceptions import ApplicationError
from secretariat.forms import CommentForm
from secretariat.models import Attachment, Case
from secretariat.roles import Role, has_role, is_staff_reader
from secretariat.services import case_comment_add


@require_GET
@never_cache
def healthz(request):
    """Database and broker state. 200 while the database answers; the broker's
    state is reported but does not fail the check (tasks fall back to the
    outbox)."""
    database = "ok"
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure means "down"
        database = f"error: {exc.__class__.__name__}"
    broker = selectors.broker_state()
    return JsonResponse(
        {"status": "ok" if database == "ok" else "error",
         "database": database, "broker": broker, "time": timezone.now().isoformat()},
        status=200 if database == "ok" else 503,
    )  # fmt: skip


@login_required
def start(request):
    """Each role's own start page."""
    user = request.user
    if is_staff_reader(user):
        return redirect("my_work")
    if has_role(user, Role.MEMBER_LIAISON) and user.member_state_id:
        return redirect(user.member_state)
    return render(request, "secretariat/start.html", {})


@login_required
def my_work(request):
    if not is_staff_reader(request.user):
        raise Http404
    return render(
        request,
        "secretariat/my_work.html",
        {
            "items": selectors.work_items_for(request.user),
            "today": timezone.localdate(),
        },
    )


@login_required
@never_cache
def attachment_download(request, pk):
    attachment = get_object_or_404(
        Attachment.objects.select_related("subject_type"), pk=pk
    )
    if not request.user.has_perm("secretariat.view_attachment", attachment):
        raise Http404
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@login_required
@require_POST
def case_comment(request, reference):
    case = get_object_or_404(Case, reference=reference)
    if not request.user.has_perm("secretariat.view_case", case):
        raise Http404
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            case_comment_add(
                case=case, actor=request.user, body=form.cleaned_data["body"]
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "Comment added.")
    else:
        messages.error(request, " ".join(form.errors.get("body", [])))
    return redirect(case.subject)
