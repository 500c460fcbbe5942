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
