"""Pages every kind of case shares: its documents and comments."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from secretariat.kernel import policy
from secretariat.kernel.cases import case_page
from secretariat.kernel.forms import CommentForm, call_service
from secretariat.kernel.models import Attachment, Case
from secretariat.kernel.services import case_comment_add


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
    if not policy.may("case.comment", request.user, case):
        raise Http404
    form = CommentForm(request.POST)
    if form.is_valid() and call_service(
        form,
        lambda: case_comment_add(
            case=case, actor=request.user, body=form.cleaned_data["body"]
        ),
    ):
        messages.success(request, _("Comment added."))
        return redirect(case.subject)
    # Refused: the case page again, with the error next to the text, kept.
    return case_page(request, case, comment_form=form)
