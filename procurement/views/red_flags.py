"""The integrity red flags of the coalition's tenders, with their evidence and
the definitions of the indicators (``procurement.red_flags``)."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET

from procurement import red_flags
from secretariat.kernel.forms import require_permission
from secretariat.kernel.listing import PER_PAGE


class RedFlagFilter(forms.Form):
    indicator = forms.ChoiceField(label=_("Indicator"), required=False)
    q = forms.CharField(label=_("Tender"), required=False, max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicator"].choices = [
            ("", _("Any indicator")),
            *red_flags.choices(),
        ]


def _flagged(request):
    """(the filter form, [TenderFlags]) the query string asks for."""
    form = RedFlagFilter(request.GET or None)
    if not form.is_valid():
        return form, red_flags.flagged_for(request.user)
    return form, red_flags.flagged_for(
        request.user,
        code=form.cleaned_data["indicator"] or None,
        text=form.cleaned_data["q"].strip(),
    )


@require_GET
@login_required
def red_flag_list(request):
    require_permission(request, "procurement.view_red_flags")
    form, found = _flagged(request)
    page = Paginator(found, PER_PAGE).get_page(request.GET.get("page"))
    count = len(found)
    return render(
        request,
        "procurement/red_flags.html",
        {
            "filters": form,
            "filtered": form.is_bound and any(form.data.get(k) for k in form.fields),
            "page": page,
            "count_text": ngettext(
                "%(count)s tender flagged", "%(count)s tenders flagged", count
            )
            % {"count": count},
            "indicators": red_flags.indicators(),
        },
    )
