"""Documents are served only through the permission-checked view, as downloads."""

import pytest
from django.urls import reverse

from members import services
from members.models import OnboardingCase
from tests.files import PDF_BYTES, pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def document(people, japan):
    services.member_transition(
        member_state=japan,
        to_status="invited",
        actor=people.officer,
        reason="r",
        evidence_file=pdf("invitation.pdf"),
    )
    return OnboardingCase.objects.get().case.attachments.get()


def test_download_is_an_attachment_with_safe_headers(client, people, document):
    client.force_login(people.liaison_jp)
    response = client.get(reverse("attachment", args=[document.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="invitation.pdf"'
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF_BYTES


def test_stored_name_is_generated_by_the_server(document):
    assert document.file.name.startswith("attachments/")
    assert "invitation" not in document.file.name
    assert document.file.name.endswith(".pdf")
    assert len(document.sha256) == 64


def test_media_files_have_no_public_url(client, people, document):
    client.force_login(people.officer)
    assert client.get("/media/" + document.file.name).status_code == 404
    assert client.get("/" + document.file.name).status_code == 404


def test_other_states_liaison_gets_404(client, people, document):
    client.force_login(people.liaison_lv)
    assert client.get(reverse("attachment", args=[document.pk])).status_code == 404


def test_a_refused_comment_keeps_its_text_next_to_the_field(client, people, document):
    reference = document.case.reference
    client.force_login(people.officer)
    too_long = "x" * 5001
    response = client.post(
        reverse("case_comment", args=[reference]), {"body": too_long}
    )
    assert response.status_code == 200
    form = response.context["comment_form"]
    assert "at most 5000 characters" in form.errors["body"][0]
    assert too_long in response.content.decode()
    assert not document.case.comments.exists()
