"""The Procfile and the deployment examples in deploy/ run what the README
says to run, with the settings the application reads."""

import re
from pathlib import Path

from django.conf import settings

BASE = Path(settings.BASE_DIR)
README = (BASE / "README.md").read_text()
SETTINGS = (BASE / "secretariat" / "settings.py").read_text()
UNITS = BASE / "deploy" / "systemd"
# Celery sub-commands the README tells operators to run by hand; they talk to
# the processes and are not processes themselves.
CONTROL_COMMANDS = {"inspect", "control", "purge", "status", "call", "report"}


def _readme_commands() -> dict[str, str]:
    """The process commands the README's deployment section names."""
    section = README.split("## Deploying on several machines", 1)[1].split("\n## ", 1)[
        0
    ]
    found = {}
    for command in re.findall(r"`((?:gunicorn|celery)[^`]*)`", section):
        role = "web" if command.startswith("gunicorn") else command.split()[3]
        if role in CONTROL_COMMANDS:
            continue  # an operator's command against running processes, not a process
        found.setdefault(role, " ".join(command.split()[:4]) if role != "web"
                         else " ".join(command.split()[:2]))  # fmt: skip
    return found


def _procfile() -> dict[str, str]:
    entries = {}
    for line in (BASE / "Procfile").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, command = line.split(":", 1)
            entries[name.strip()] = command.strip()
    return entries


def _exec_start(unit: str) -> str:
    text = (UNITS / unit).read_text()
    [command] = re.findall(r"^ExecStart=(.+)$", text, re.MULTILINE)
    return command


def test_the_readme_names_the_three_processes():
    assert set(_readme_commands()) == {"web", "worker", "beat"}


def test_the_procfile_runs_what_the_readme_names():
    procfile = _procfile()
    assert set(procfile) == {"web", "worker", "beat"}
    for role, command in _readme_commands().items():
        assert procfile[role].startswith(command), (role, procfile[role])


def test_the_systemd_units_run_what_the_readme_names_with_the_shared_environment():
    for role, command in _readme_commands().items():
        unit = f"secretariat-{role}.service"
        assert command in _exec_start(unit), unit
        text = (UNITS / unit).read_text()
        assert "EnvironmentFile=/etc/secretariat/secretariat.env" in text
        assert "WorkingDirectory=/srv/secretariat/app" in text  # gunicorn.conf.py
    assert "manage.py backup" in _exec_start("secretariat-backup.service")


def test_the_environment_example_sets_only_settings_the_application_reads():
    example = (BASE / "deploy" / "secretariat.env.example").read_text()
    names = re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", example, re.MULTILINE)
    read = set(re.findall(r'env\.\w+\(\s*"([A-Z0-9_]+)"', SETTINGS))
    read |= set(re.findall(r'"([A-Z0-9_]+)"', SETTINGS))  # env lists, e.g. EMAIL_*
    assert names and not set(names) - read, set(names) - read
    # The production requirements the README's configuration table states.
    for required in ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL",
                     "BID_ENCRYPTION_KEYS", "BEHIND_PROXY", "MEDIA_ROOT"):  # fmt: skip
        assert required in names and f"`{required}`" in README, required
    assert "DEBUG=off" in example


def test_nginx_proxies_to_the_web_unit_as_the_proxy_settings_expect():
    site = (BASE / "deploy" / "nginx" / "secretariat.conf").read_text()
    bind = re.search(r"-b (\S+)", _exec_start("secretariat-web.service")).group(1)
    assert f"server {bind};" in site
    assert "X-Forwarded-For $proxy_add_x_forwarded_for" in site  # TRUSTED_PROXY_COUNT
    assert "X-Forwarded-Proto $scheme" in site  # BEHIND_PROXY
    assert "X-Request-ID $request_id" in site  # the id in the app's logs
    limit = int(re.search(r"client_max_body_size (\d+)m;", site).group(1))
    assert limit * 1024 * 1024 > settings.MAX_UPLOAD_SIZE
