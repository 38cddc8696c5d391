"""The guides in docs/ work: every command in them runs here (the rule is in guidekit.py).

The ```sh blocks of the three guides tell one story, so they run in one shell session (variables
carry over from block to block) against one local network, in the order of ``STORY``: the state
connects a college, the college joins and anchors its DID, the state accredits it, the college
publishes and issues, the employer checks, the college revokes, the employer's check fails, keys
rotate, and the state backs the network up and restores it.

The network runs on free ports in a temporary directory, which is the guides' working directory
(``.ler`` is its data directory). It is what ``ler-node network up`` makes of a network file with a
state, a college, a learner and an employer, with two differences that production has too: the
college runs but has not joined (it does that by following colleges.md), and there is a second
trustee with its own key file (``other-trustee.json``), so trustee changes can carry.

It is not the session's network of the other end-to-end tests (tests/conftest.py): the story
takes the first trustee's roles away, adds trustees, and restores the network from a backup, which
those tests would read.

The ```sh production blocks run in a scratch copy of docker/ with the stand-ins of standins.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from pathlib import Path

import compose
import pytest
import yaml
from eth_account import Account
from guidekit import PRODUCTION, RUN, Guide, Shell, base_env, matches, read_guide
from netkit import stop_network

from ler_chain import LedgerClient, NetworkDescriptor
from ler_node.ledger.keystore import PASSWORD_ENV, load_or_create_key
from ler_node.ledger.local import LedgerHome
from ler_node.network.agents import AgentHome
from ler_node.network.hosting import Hosting, Tenant, hosted_agent
from ler_node.network.launcher import (
    AgentInfo,
    NetworkInfo,
    network_status,
    network_up,
    start_agent,
    start_ledger,
    start_tails,
)
from ler_node.network.spec import NetworkSpec

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs"
HERE = Path(__file__).resolve().parent
VENV_BIN = Path(sys.executable).parent
GUIDES = ("operators.md", "colleges.md", "employers.md")
HOSTED_TENANT = "hosted-tenant.json"  # a tenant of the hosted agent, made before the backup

# The order the guides' ```sh sections run in: the story of the network, across the three guides.
STORY = [
    ("operators.md", "Start the network"),
    ("operators.md", "Set up the state agent"),
    ("operators.md", "Connect a college"),
    ("colleges.md", "Run your agent"),
    ("colleges.md", "Join the network"),
    ("operators.md", "Endorse a college's writes"),
    ("colleges.md", "Anchor your DID"),
    ("operators.md", "Accredit a college"),
    ("colleges.md", "Publish a credential type"),
    ("colleges.md", "Issue a credential"),
    ("employers.md", "Run your agent"),
    ("employers.md", "Connect with a candidate"),
    ("employers.md", "Check a skill"),
    ("colleges.md", "Revoke a credential"),
    ("employers.md", "When a check fails"),
    ("colleges.md", "Rotate your DID key"),
    ("operators.md", "Rotate a key"),
    ("operators.md", "Back up and restore"),
]


def quiet(_message: str) -> None:
    """Progress messages of the launcher, not shown."""


@pytest.fixture(scope="module")
def guides() -> dict[str, Guide]:
    return {name: read_guide(DOCS / name) for name in GUIDES}


@pytest.fixture(scope="module")
def shell_tools() -> None:
    """The guides use bash, curl and jq, as their readers do."""
    missing = [tool for tool in ("bash", "curl", "jq") if shutil.which(tool) is None]
    if missing:
        pytest.fail(f"tests/docs runs the guides' commands and needs {', '.join(missing)}")


# -- the guides' form ------------------------------------------------------------------------------


def test_every_guide_states_the_rule_and_the_story_covers_every_section(
    guides: dict[str, Guide],
) -> None:
    for name, guide in guides.items():
        head = (DOCS / name).read_text("utf-8")[:1200]
        assert "tests/docs/test_guides.py runs this guide" in head, name
        local = [s for s in guide.sections() if any(b.tag == RUN for b in guide.commands(s))]
        told = [section for guide_name, section in STORY if guide_name == name]
        assert told == local, f"{name}: STORY must list its ```sh sections in document order"
    assert len(set(STORY)) == len(STORY)


def test_readme_links_every_guide() -> None:
    readme = (REPO / "README.md").read_text("utf-8")
    guides_section = readme.split("## Guides", 1)[1].split("\n## ", 1)[0]
    for name in GUIDES:
        assert f"(docs/{name})" in guides_section, name


def test_expected_output_rule() -> None:
    assert matches("ENDORSER granted to 0x... (tx 0x...)", "ENDORSER granted to 0xab (tx 0x12)\n")
    assert matches(
        "proposal ...: add trustee 0x...; 1 of 2", "proposal 3: add trustee\n0xa; 1 of 2"
    )
    assert matches('{\n  "verified": true\n}', '{\n    "verified": true\n}\n')
    assert not matches("finished", "finished\nand more")
    assert not matches('{"verified": true}', '{"verified": false}')


def test_extraction_rule(tmp_path: Path) -> None:
    guide = tmp_path / "guide.md"
    guide.write_text(
        "## One\n\n```sh\necho hi\n```\n\n```text\nhi\n```\n\nProse.\n\n```text\nshown\n```\n"
        "## Two\n\n```sh production\ndocker compose ps\n```\n"
    )
    blocks = read_guide(guide).blocks
    assert [(b.section, b.tag, b.code, b.expected) for b in blocks] == [
        ("One", RUN, "echo hi\n", "hi\n"),
        ("One", "text", "shown\n", None),
        ("Two", PRODUCTION, "docker compose ps\n", None),
    ]
    guide.write_text("```bash\nrm -rf /\n```\n")
    with pytest.raises(ValueError, match="tagged 'bash'"):
        read_guide(guide)


# -- production blocks: Docker and Besu, checked by stand-ins --------------------------------------


def standin_bin(root: Path) -> Path:
    """``docker``, ``curl`` and ``ler-node`` wrappers around standins.py."""
    bin_dir = root / "standins"
    bin_dir.mkdir()
    for tool in ("docker", "curl", "ler-node"):
        wrapper = bin_dir / tool
        wrapper.write_text(
            f'#!/bin/sh\nexec "{sys.executable}" "{HERE / "standins.py"}" {tool} "$@"\n'
        )
        wrapper.chmod(0o755)
    return bin_dir


def scratch_repo(root: Path) -> Path:
    """A copy of docker/ without any secret, as in a fresh checkout."""
    site = root / "repo"
    shutil.copytree(
        REPO / "docker",
        site / "docker",
        ignore=lambda d, names: (
            [n for n in names if n not in (".gitignore", "README.md")]
            if Path(d).name == "secrets"
            else []
        ),
    )
    return site


@contextlib.contextmanager
def ler_node_checker() -> Iterator[str]:
    """``standins.py --serve``, which parses the stand-in's ``ler-node`` calls; its socket."""
    with tempfile.TemporaryDirectory(prefix="ler-docs-") as scratch:  # a socket path is short
        address = str(Path(scratch) / "checker.sock")
        server = subprocess.Popen(
            [sys.executable, str(HERE / "standins.py"), "--serve", address],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert server.stdout is not None
            assert server.stdout.readline() == "ready\n", "the ler-node checker did not start"
            yield address
        finally:
            server.kill()
            server.wait()


def test_production_blocks_check_out_against_compose(
    guides: dict[str, Guide], shell_tools: None, tmp_path: Path
) -> None:
    with ler_node_checker() as checker:
        check_production_blocks(guides, tmp_path, checker)


def check_production_blocks(guides: dict[str, Guide], tmp_path: Path, checker: str) -> None:
    site = scratch_repo(tmp_path)
    calls = tmp_path / "calls.jsonl"
    env = base_env(tmp_path / "home", [standin_bin(tmp_path), VENV_BIN])
    compose_binary = Path(compose.__file__).parent / "docker-compose"
    state_account = Account.create().address
    env.update(
        LER_DOCS_COMPOSE=str(compose_binary),
        LER_DOCS_CALLS=str(calls),
        LER_DOCS_LER_NODE=str(VENV_BIN / "ler-node"),
        LER_DOCS_CHECKER=checker,
        # what the operator has at hand when these blocks run: the state agent's ledger account
        # (from `GET /ler/account`) and the new validator's address
        STATE_ACCOUNT=state_account,
        NEW_VALIDATOR=Account.create().address,
    )
    (tmp_path / "home").mkdir()
    shell = Shell(site, env)
    ran = 0
    for name in GUIDES:
        for block in guides[name].commands():
            if block.tag == PRODUCTION:
                shell.run(block)
                ran += 1
    assert ran >= 8

    logged = [json.loads(line) for line in calls.read_text().splitlines()]
    docker = [c["args"] for c in logged if c["tool"] == "docker"]
    assert ["compose", "-f", "docker/compose.yml", "up", "-d"] in docker
    # the backup and the restore go through every volume the compose file has
    volumes = compose_volumes(compose_binary, site)
    touched = [a for args in docker if args[0] == "run" for a in args if a.startswith("ler-node_")]
    for volume in volumes:
        assert sum(t.startswith(f"ler-node_{volume}:") for t in touched) == 2, volume
    # the state agent's account made it into the Besu accounts allowlist
    permissions = tomllib.loads(
        (site / "docker/secrets/besu/permissions_config.toml").read_text("utf-8")
    )
    assert state_account in permissions["accounts-allowlist"]
    # the secrets the guide made are those docker/compose.yml needs
    for agent in ("state", "college", "employer"):
        env_file = (site / f"docker/secrets/{agent}-agent.env").read_text()
        assert env_file.startswith("ACAPY_ADMIN_API_KEY=") and "ACAPY_WALLET_KEY=" in env_file
    assert shell.env["STATE"] == "http://127.0.0.1:8021"
    assert shell.env["STATE_KEY"] in (site / "docker/secrets/state-agent.env").read_text()


def compose_volumes(binary: Path, site: Path) -> list[str]:
    """The volumes of docker/compose.yml."""
    result = subprocess.run(
        [str(binary), "-f", "docker/compose.yml", "config", "--volumes"],
        cwd=site,
        capture_output=True,
        text=True,
        env={"PATH": os.environ["PATH"], "HOME": str(site)},
        check=True,
    )
    return result.stdout.split()


# -- ```sh blocks: the story on a local network ----------------------------------------------------


def local_spec() -> NetworkSpec:
    """The local network (ledger_config/networks/local.yml) with one college, on free ports.

    Its state-hosted agent runs as two instances (``replicas: 2``) on the embedded PostgreSQL, so
    the story's ``network down`` and ``network up`` (backup and restore) stop and start both and
    the database; its guide blocks are ``sh production`` ones, checked against compose instead.
    """
    local = NetworkSpec.load(REPO / "ledger_config/networks/local.yml")
    agents = [
        a.model_copy(update={"replicas": 2}) if a.multitenant else a
        for a in local.agents
        if a.id != "tech-institute"
    ]
    return local.model_copy(update={"agents": agents}).on_free_ports()


async def bring_up(root: Path, spec: NetworkSpec) -> None:
    """The network, a second trustee, the new trustee key of the guide, and the unjoined college."""
    data = root / ".ler"
    up = await start_ledger(spec, data, quiet)
    first = LedgerHome.in_data_dir(data).trustee()
    other, _ = load_or_create_key(root / "other-trustee.json", root / "other-trustee.password")
    async with LedgerClient(up.descriptor, first) as ledger:
        await ledger.send(ledger.roles.propose_trustee_change(other.address, True))

    await start_tails(spec, data, up.descriptor_file, quiet)  # first: the colleges name its URL
    colleges = [a for a in spec.agents if a.role == "issuer"]
    others = spec.model_copy(update={"agents": [a for a in spec.agents if a not in colleges]})
    homes = [AgentHome(data, college) for college in colleges]
    info, *_ = await asyncio.gather(  # the colleges run, in the network file, but do not join
        network_up(others, data, progress=quiet),
        *(start_agent(spec, home, up.descriptor_file, quiet) for home in homes),
    )
    # the launcher proposed the state agent as a trustee; with two trustees it waits for the other
    async with LedgerClient(up.descriptor, other) as ledger:
        for number in range(1, await ledger.roles.proposal_count() + 1):
            if not (await ledger.roles.proposal(number)).executed:
                await ledger.send(ledger.roles.approve_trustee_change(number))

    for college, home in zip(colleges, homes, strict=True):
        info.agents.append(
            AgentInfo(
                id=college.id,
                name=college.name,
                role=college.role,
                did=None,
                admin_url=home.admin_url,
                openapi_url=home.admin_url + "/api/doc",
                endpoint=home.endpoint,
                log=str(home.process.log_file),
                api_key_file=str(home.secrets_file),
            )
        )
    info.save(data)
    (data / "network-spec.yml").write_text(yaml.safe_dump(spec.model_dump(mode="json")))
    async with Hosting.of(AgentHome(data, hosted_agent(spec))) as hosting:  # before the backup
        tenant = await hosting.create("Riley Before The Backup")
    (root / HOSTED_TENANT).write_text(json.dumps(tenant.__dict__))


@pytest.fixture(scope="module", autouse=True)
def _local_site_boot(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Path, NetworkSpec, Future[None]] | None]:
    """The story's network, booting in a thread of its own while the module's other tests run."""
    here = [
        item for item in request.session.items if getattr(item, "module", None) is request.module
    ]
    if not any("local_site" in item.fixturenames for item in here):
        yield None
        return
    root = tmp_path_factory.mktemp("guides")
    spec = local_spec()
    with (
        pytest.MonkeyPatch.context() as patch,
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="guides-network") as pool,
    ):
        patch.delenv(PASSWORD_ENV, raising=False)  # keystore passwords go to password files
        booting = pool.submit(asyncio.run, bring_up(root, spec))
        try:
            yield root, spec, booting
        finally:
            wait([booting])  # whatever it started is stopped below
            for data in (root / ".ler", root / ".ler.old"):
                if data.is_dir():
                    asyncio.run(stop_network(spec, data))


@pytest.fixture(scope="module")
def local_site(
    _local_site_boot: tuple[Path, NetworkSpec, Future[None]] | None,
) -> tuple[Path, NetworkSpec]:
    """The story's network, once it is up (raises what its boot raised)."""
    assert _local_site_boot is not None
    root, spec, booting = _local_site_boot
    booting.result()
    return root, spec


async def after_the_story(root: Path, spec: NetworkSpec, env: dict[str, str]) -> None:
    """What the guides claim, checked on the restored network."""
    data = root / ".ler"
    descriptor = NetworkDescriptor.load(data / "ledger" / "network.json")
    async with LedgerClient(descriptor) as ledger:
        new, old = env["NEW_TRUSTEE"], env["OLD_TRUSTEE"]
        assert await ledger.roles.has_role("TRUSTEE", new)
        assert not await ledger.roles.has_role("TRUSTEE", old)
        assert not await ledger.roles.has_role("ENDORSER", old)
    info = NetworkInfo.load(data)
    assert info.agent("state").did == env["STATE_DID"]
    assert info.agent("college").did == env["COLLEGE_DID"]
    status = await network_status(spec, data)
    parts = {p["part"]: p["healthy"] for p in status["parts"]}
    assert status["healthy"] and parts["agent hosted#2 (holder)"], parts
    assert parts["postgres (embedded)"], parts
    # the hosted agent's tenant, made before the backup, answers on both instances after it
    tenant = Tenant(**json.loads((root / HOSTED_TENANT).read_text()))
    hosted = hosted_agent(spec)
    for instance in hosted.instances():
        async with Hosting.of(AgentHome(data, instance)) as hosting:
            assert tenant.wallet_id in {t["wallet_id"] for t in await hosting.list()}
            async with hosting.as_tenant(tenant) as client:
                assert (await client.get("/wallet/did"))["results"] == []
    learner = next(a for a in spec.agents if a.role == "holder" and not a.multitenant)
    async with AgentHome(data, learner).admin() as admin:
        held = (await admin.get("/credentials"))["results"]
        assert [c["attrs"]["skill"] for c in held] == ["Welding"]  # kept by the backup
        resolved = await admin.get(f"/resolver/resolve/{env['COLLEGE_DID']}")
        assert resolved["did_document"]["id"] == env["COLLEGE_DID"]


@pytest.mark.e2e
def test_the_story_runs_on_a_local_network(
    guides: dict[str, Guide], shell_tools: None, local_site: tuple[Path, NetworkSpec]
) -> None:
    root, spec = local_site
    (root / "home").mkdir(exist_ok=True)
    shell = Shell(root, base_env(root / "home", [VENV_BIN]))
    for name, section in STORY:
        blocks = [b for b in guides[name].commands(section) if b.tag == RUN]
        assert blocks, f"{name}: no ```sh block in {section!r}"
        for block in blocks:
            try:
                shell.run(block)
            except AssertionError as failure:
                logs = root / ".ler" / "agents"
                raise AssertionError(f"{failure}\n(agent logs: {logs}/*/agent.log)") from None
    slowest = sorted(shell.seconds.items(), key=lambda item: -item[1])[:6]
    print("slowest blocks:", *(f"{s:5.1f} s  {where}" for where, s in slowest), sep="\n  ")
    asyncio.run(after_the_story(root, spec, shell.env))
