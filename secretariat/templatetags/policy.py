"""The policy's answer in templates: ``{% decide "disbursement.approve" obj as d %}``
then ``d.allowed`` / ``d.reason``; ``{% action_button d label url %}`` renders
the button enabled, or disabled with the reason next to it."""

from django import template

from secretariat.kernel import policy

register = template.Library()


@register.simple_tag(takes_context=True)
def decide(context, name, obj=None):
    return policy.decide(name, context["request"].user, obj)


@register.inclusion_tag("includes/action_button.html")
def action_button(decision, label, url="", method="get", css=""):
    return {
        "decision": decision,
        "label": label,
        "url": url,
        "method": method,
        "css": css,
    }


@register.filter
def may_move(obj, target):
    """Whether ``obj``'s lifecycle table has a move from its status to
    ``target``: which buttons a row offers at all; whether this person may
    press one now is ``decide``'s answer."""
    workflow = type(obj).workflow
    return workflow.allows(workflow.status_of(obj), target)
