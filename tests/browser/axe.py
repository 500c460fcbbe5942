"""axe-core in the page: WCAG 2.0 and 2.1, levels A and AA.

The script is vendored from the npm registry (see package.json beside this
file) and injected by the test; the browser context bypasses the app's CSP for
it, so the app's own policy stays as strict as it is."""

from pathlib import Path

AXE_JS = Path(__file__).parent / "vendor" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}


def axe_violations(page) -> list[dict]:
    """Every WCAG 2.1 A/AA violation axe finds on the page as it is now."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    return page.evaluate(
        """async (tags) => {
            const results = await axe.run(document, {
                runOnly: {type: "tag", values: tags},
                resultTypes: ["violations"],
            });
            return results.violations.map((v) => ({
                id: v.id,
                impact: v.impact,
                help: v.help,
                helpUrl: v.helpUrl,
                targets: v.nodes.map((n) => n.target.join(" ")),
                summary: v.nodes.length ? v.nodes[0].failureSummary : "",
            }));
        }""",
        WCAG_21_AA,
    )


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        lines += [f"    {target}" for target in v["targets"][:10]]
        if len(v["targets"]) > 10:
            lines.append(f"    … and {len(v['targets']) - 10} more")
        if v["summary"]:
            lines.append("    " + v["summary"].replace("\n", "\n    "))
    return "\n".join(lines)


def assert_accessible(page, where: str = "") -> list[dict]:
    """Fail on a serious or critical violation; return the lesser ones, which
    are printed for the record."""
    violations = axe_violations(page)
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    lesser = [v for v in violations if v["impact"] not in BLOCKING]
    if lesser:
        print(f"axe, not blocking, on {where or page.url}:\n{describe(lesser)}")
    assert not blocking, (
        f"axe: serious or critical WCAG 2.1 AA violations on {where or page.url}:\n"
        + describe(blocking)
    )
    return lesser
