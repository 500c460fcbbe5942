"""The README's phone screenshots, taken from the running demo.

    make run                                  # in one terminal: the demo on :8000
    .venv/bin/python tools/screenshots.py     # in another
    .venv/bin/python tools/screenshots.py http://127.0.0.1:8718/

Signs in as the demo's co-lead approver for Latvia (the demo password, then
the code of the demo's authenticator, read with ``manage.py demo_code``) in a
390 by 844 pixel window, as on a phone, and keeps My work and the disbursement
awaiting their approval as docs/img/phone-my-work.png and
docs/img/phone-disbursement.png. Run it with the environment the demo runs
with (the same ``DATABASE_URL``), so that the code is read from the same
accounts. Needs Debian's Chromium (``apt-get install chromium``)."""

import re
import subprocess
import sys
import time
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

BASE_DIR = Path(__file__).resolve().parent.parent
IMAGES = BASE_DIR / "docs" / "img"
CHROMIUM = "/usr/bin/chromium"
PHONE = {"width": 390, "height": 844}
USERNAME = "approver-lv"
DEMO_PASSWORD = "coalition-demo-2026"  # noqa: S105 (the demo's, printed by make run)
OTP_FIELD = "Code from your authenticator app"


def demo_code(username: str) -> str:
    """The code the demo's authenticator shows now."""
    output = subprocess.run(  # noqa: S603 (our own manage.py)
        [sys.executable, str(BASE_DIR / "manage.py"), "demo_code", username],
        check=True,
        capture_output=True,
        text=True,
        cwd=BASE_DIR,
    ).stdout
    return output.split()[0]


def sign_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label(re.compile(r"^\s*Password:?\s*$")).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    # A code works once per account: if this one was used (by the demo's seed,
    # say), the next one comes within 30 seconds.
    for _attempt in range(3):
        field = page.get_by_label(OTP_FIELD)
        if field.count() == 0:
            break
        field.fill(demo_code(username))
        page.get_by_role("button", name="Verify").click()
        page.wait_for_load_state()
        if page.get_by_label(OTP_FIELD).count():
            time.sleep(31 - time.time() % 30)
    if "/accounts/" in page.url:
        raise SystemExit(f"{username} could not sign in: still at {page.url}")


def main(base_url: str) -> None:
    IMAGES.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
        )
        context = browser.new_context(
            base_url=base_url, viewport=PHONE, device_scale_factor=1
        )
        page = context.new_page()
        sign_in(page, USERNAME)

        page.goto("/work/")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        shots = [IMAGES / "phone-my-work.png"]
        page.screenshot(path=str(shots[-1]))

        page.locator("main a[href^='/disbursements/DSB-']").first.click()
        page.wait_for_load_state()
        shots.append(IMAGES / "phone-disbursement.png")
        page.screenshot(path=str(shots[-1]))
        browser.close()
    for path in shots:
        size = path.stat().st_size // 1024
        print(f"{path.relative_to(BASE_DIR)}  {size} KB")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000/")
