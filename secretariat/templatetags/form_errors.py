"""The error summary at the top of a form: every error of the form in one
list, each field's error a link to its box."""

from django import template

register = template.Library()


@register.simple_tag
def error_summary(form) -> list[dict]:
    """``{% error_summary form as errors %}``: the non-field errors as text,
    then each field's errors in the form's order with the ``#id`` of its box
    (none for a hidden field, which has no box to go to)."""
    errors = [{"message": message, "href": ""} for message in form.non_field_errors()]
    for field in form:
        box = "" if field.is_hidden else field.id_for_label or field.auto_id
        for message in field.errors:
            errors.append(
                {
                    "message": message,
                    "label": field.label,
                    "href": f"#{box}" if box else "",
                }
            )
    return errors
